# One call per library, test or plugin.
#   sluice_library(name SOURCES a.cpp ... DEPS target ...)
#   sluice_test(name SOURCES a_test.cpp ... DEPS target ... [PREFIX text])   PREFIX starts each ctest
#     name, so that `ctest -R <prefix>` finds a binary's tests ("preempt/Cases/Victims.AreChosen/...")
#   sluice_plugin(name SOURCES a.cpp ... DEPS target ...)   -> ${SLUICE_PLUGIN_DIR}/lib<name>.so
function(sluice_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${A_DEPS})
endfunction()

function(sluice_test name)
  if(NOT SLUICE_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "PREFIX" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${A_PREFIX}" PROPERTIES LABELS unit)
endfunction()

function(sluice_plugin name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} MODULE ${A_SOURCES})
  target_link_libraries(${name} PRIVATE sluice_sdk tomlplusplus::tomlplusplus ${A_DEPS})
  set_target_properties(${name} PROPERTIES
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${SLUICE_PLUGIN_DIR} PREFIX "lib")
endfunction()

# Run by ctest as sdk.out_of_tree: what a plugin author does, end to end.
#   cmake -DBUILD_DIR=... -DEXAMPLE_DIR=... -DWORK_DIR=... -DHOST_TEST=... -DGENERATOR=... -DBUILD_TYPE=...
#         -DCXX=... -DLAUNCHER=... -DCTEST=... -P out_of_tree.cmake
function(run)
  execute_process(COMMAND ${ARGV} COMMAND_ERROR_IS_FATAL ANY)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

# 1. Install only the SDK (headers and the SluiceSDK package).
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --component sdk --prefix ${prefix})

# 2. Configure the example as its own project against the installed SDK; it must not reach into the tree.
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}
    "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
get_filename_component(tree_headers ${EXAMPLE_DIR}/../../include ABSOLUTE)
file(READ ${build}/compile_commands.json commands)
string(FIND "${commands}" "${tree_headers}" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the example compiles against ${tree_headers}, not the installed SDK")
endif()

# 3. Build it and run its own unit tests.
run(${CMAKE_COMMAND} --build ${build} --parallel 1)
run(${CTEST} --test-dir ${build} --output-on-failure)

# 4. The host's loader takes the built library.
run(${CMAKE_COMMAND} -E env SLUICE_EXAMPLE_PLUGIN=${build}/libmax_gpus_partition.so ${HOST_TEST})

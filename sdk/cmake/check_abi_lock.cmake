# cmake -DSDK_DIR=<sdk> -P check_abi_lock.cmake: fails when the SDK headers changed but sdk/abi.lock
# (and with it the ABI version every plugin is checked against) did not move.
include(${CMAKE_CURRENT_LIST_DIR}/SluiceAbi.cmake)
sluice_sdk_headers_hash(${SDK_DIR}/include hash)
sluice_read_abi_lock(${SDK_DIR}/abi.lock LOCK)
if(NOT LOCK_UNIQUE)
  message(FATAL_ERROR "sdk/abi.lock lists a version twice: each ABI needs a version of its own")
endif()
if(NOT hash STREQUAL LOCK_HASH)
  message(FATAL_ERROR "the SDK headers changed (hash ${hash}) but sdk/abi.lock still ends with "
                      "${LOCK_VERSION} ${LOCK_HASH}: plugins built against the old headers would load. "
                      "Append a line with a new version and the new hash: ${hash}")
endif()
message(STATUS "SDK ABI ${LOCK_VERSION}, headers ${hash}: matches sdk/abi.lock")

# CMake platform module for WASI (wasm32-wasi), found through the module path
# sdk/cpp/wasm32-wasi.cmake sets. CMake 3.25 has none of its own.
set(WASI 1)
set(UNIX 1)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(CMAKE_FIND_LIBRARY_PREFIXES "lib")
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
# No shared libraries on wasm32-wasi.
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)
# find_* search <root>/lib/wasm32-wasi, <root>/include/wasm32-wasi, <root>/include
# for each root of CMAKE_FIND_ROOT_PATH and the sysroot (see the toolchain file).
set(CMAKE_SYSTEM_PREFIX_PATH /)
# spindle_component() (SpindleComponent.cmake): a Spin 1 module or a
# wasi:http component.
include(${CMAKE_CURRENT_LIST_DIR}/../SpindleComponent.cmake)

# CMake toolchain file for spindle components (wasm32-wasi, Spin 1.x HTTP ABI).
#
#   cmake -G Ninja -B build --toolchain /path/to/spindle/sdk/cpp/wasm32-wasi.cmake \
#         -DCMAKE_BUILD_TYPE=MinSizeRel
#   cmake --build build            # add_executable(hello hello.cpp) -> build/hello.wasm
#
# What it sets up:
#   - clang-19 / clang++-19 targeting wasm32-wasi, llvm-ar-19 / llvm-ranlib-19;
#   - the sysroot of Debian's wasi-libc and libc++ (/usr: headers in
#     /usr/include/wasm32-wasi, libraries in /usr/lib/wasm32-wasi);
#     override with -DSPINDLE_WASI_SYSROOT=<dir> (e.g. a wasi-sdk sysroot);
#   - the SDK's include folder on every target (<spindle/http.hpp>, <spindle/http.h>);
#   - C++: -fno-exceptions (wasm32-wasi has no C++ exception runtime);
#   - executables are WASI reactors (-mexec-model=reactor: no main, exports
#     _initialize), what a Spin HTTP component is; for a WAGI (command)
#     module add `target_link_options(<t> PRIVATE -mexec-model=command)`;
#   - the .wasm suffix for executables;
#   - MinSizeRel = -Oz and a stripped module (-Wl,--strip-all);
#   - spindle_component(<target> OUTPUT spin1|wasi-http) (cmake/SpindleComponent.cmake,
#     included after project()): a Spin 1 module or a wasi:http component;
#     -DSPINDLE_COMPONENT_OUTPUT=wasi-http makes wasi-http the default;
#   - -DSPINDLE_NULL_CHECKS=ON adds -fsanitize=null -fsanitize-trap=null: a null
#     pointer dereference traps (500) instead of reading address 0 of linear
#     memory, which WebAssembly allows (about +1 KB).
# Compilers can be overridden with -DSPINDLE_WASM_CLANG=... / -DSPINDLE_WASM_CLANGXX=...
set(SPINDLE_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}" CACHE PATH "spindle's C/C++ SDK folder")
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}/cmake")

set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(SPINDLE_WASI_TARGET wasm32-wasi)

find_program(SPINDLE_WASM_CLANG NAMES clang-19 clang REQUIRED)
find_program(SPINDLE_WASM_CLANGXX NAMES clang++-19 clang++ REQUIRED)
find_program(SPINDLE_WASM_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
find_program(SPINDLE_WASM_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)
set(CMAKE_C_COMPILER "${SPINDLE_WASM_CLANG}")
set(CMAKE_CXX_COMPILER "${SPINDLE_WASM_CLANGXX}")
set(CMAKE_AR "${SPINDLE_WASM_AR}" CACHE FILEPATH "archiver for wasm objects")
set(CMAKE_RANLIB "${SPINDLE_WASM_RANLIB}" CACHE FILEPATH "ranlib for wasm archives")
set(CMAKE_C_COMPILER_TARGET ${SPINDLE_WASI_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${SPINDLE_WASI_TARGET})
set(CMAKE_ASM_COMPILER_TARGET ${SPINDLE_WASI_TARGET})

set(SPINDLE_WASI_SYSROOT "/usr" CACHE PATH
    "wasi-libc sysroot (with include/wasm32-wasi and lib/wasm32-wasi)")
set(CMAKE_SYSROOT "${SPINDLE_WASI_SYSROOT}")
# find_library / find_path look in <sysroot>/lib/wasm32-wasi and
# <sysroot>/include/wasm32-wasi (and the SDK), never in the host's folders.
set(CMAKE_LIBRARY_ARCHITECTURE wasm32-wasi)
set(CMAKE_FIND_ROOT_PATH "${CMAKE_CURRENT_LIST_DIR}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/include")
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/include")
set(CMAKE_CXX_FLAGS_INIT "-fno-exceptions")
option(SPINDLE_NULL_CHECKS "Trap on null pointer dereferences" OFF)
if(SPINDLE_NULL_CHECKS)
  string(APPEND CMAKE_C_FLAGS_INIT " -fsanitize=null -fsanitize-trap=null")
  string(APPEND CMAKE_CXX_FLAGS_INIT " -fsanitize=null -fsanitize-trap=null")
endif()
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mexec-model=reactor")
# (Cache entries: CMake's Clang module would append -Os to an _INIT value.)
set(CMAKE_C_FLAGS_MINSIZEREL "-Oz -DNDEBUG" CACHE STRING "C flags for MinSizeRel")
set(CMAKE_CXX_FLAGS_MINSIZEREL "-Oz -DNDEBUG" CACHE STRING "C++ flags for MinSizeRel")
set(CMAKE_EXE_LINKER_FLAGS_MINSIZEREL_INIT "-Wl,--strip-all")

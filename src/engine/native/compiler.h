// Compiling wasm2c's C output into a shared object with the system C
// compiler: clang-19, else cc; SPINDLE_CC (or EngineOptions::cc) overrides.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>

namespace spindle::engine::native {

struct Compiler {
  std::string path;      // what is executed
  std::string identity;  // `path --version` output: part of the cache key
};

// Finds the compiler to use (`preferred` first, then $SPINDLE_CC, clang-19,
// cc). Returns false with `error` set when none runs.
bool find_compiler(const std::string& preferred, Compiler& out, std::string& error);

// The flags every module is compiled with by `cc` (part of the cache key).
std::string compile_flags(const Compiler& cc);

// How many C compiler processes one module's compile runs at once:
// $SPINDLE_COMPILE_JOBS, else the number of cores, at most 4.
unsigned compile_jobs();

// Compiles `dir`/module.c (which includes module.h, wasm-rt.h and
// spindle-rt.h from `dir`) into `out`; with `parts` > 0, also
// `dir`/part<k>.c for k < parts, each into an object file, compile_jobs()
// at a time, then links them. The compiler runs at low priority (nice 10):
// the compile is batch work next to a serving process. With `progress`, a
// compile taking more than a second reports its elapsed time on standard
// error. When `*cancel` becomes true, the running compilers are killed and
// the compile fails.
bool compile_module(const Compiler& cc, const std::filesystem::path& dir, size_t parts,
                    const std::filesystem::path& out, std::string_view display_name, bool progress,
                    std::string& error, const std::atomic<bool>* cancel = nullptr);

}  // namespace spindle::engine::native

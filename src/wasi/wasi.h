// WASI preview 1 (`wasi_snapshot_preview1`), written once over a plain view
// of guest memory (engine::GuestMemory) so both backends share it.
//
// Lifecycle:
//   Environment  — once per program/app: args, env, preopened directories
//                  (their host directory fds are opened here, once), stdio
//                  mode. Immutable and shareable between threads.
//   Context      — once per instance (per request): fd table, captured
//                  stdout/stderr, exit code. Construction must be cheap (no
//                  syscalls, no large allocations): it is on the hot path.
//   link()       — defines every wasi_snapshot_preview1 function in a Linker;
//                  each expects HostCall::user to be a wasi::Context*.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace spindle::wasi {

struct Preopen {
  std::filesystem::path host;  // directory on the host
  std::string guest;           // path the guest sees (e.g. "/" or "/data")
  bool read_only = false;
};

enum class Stdio {
  Inherit,  // pass through to the host process's fd 0/1/2
  Capture,  // stdout/stderr into Context buffers; stdin from Context input
  Null,     // reads give EOF, writes are discarded
};

struct Config {
  std::vector<std::string> args;  // argv, args[0] is the program name
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<Preopen> preopens;
  Stdio stdio = Stdio::Inherit;
};

class Environment;

// Per-instance WASI state. See wasi.cpp / preview1.cpp for the fd table.
class Context {
 public:
  explicit Context(std::shared_ptr<const Environment> env);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Stdio::Capture: what the guest wrote, and what it will read on fd 0.
  std::string& stdout_buffer();
  std::string& stderr_buffer();
  void set_stdin(std::string data);

  struct State;
  State& state();

 private:
  std::shared_ptr<const Environment> env_;
  std::unique_ptr<State> state_;
};

// Opens the preopened directories. On failure returns null and sets `error`
// (e.g. "--dir /nope: No such file or directory").
std::shared_ptr<const Environment> make_environment(const Config& config, std::string& error);

// Defines all wasi_snapshot_preview1 imports in `linker`.
void link(engine::Linker& linker);

}  // namespace spindle::wasi

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
//
// File descriptors: 0, 1, 2 are stdio (per Config::stdio), 3.. are the
// preopens in Config order, then files the guest opens (lowest free number,
// at most 1024 per Context). The fd table is built on the first call that
// needs it; files are opened by the guest only, and closed with the Context.
//
// Sandbox (all paths resolve beneath a directory fd, see resolve.h):
//   - absolute paths, `..` above the directory, and symlinks that lead out
//     (absolute targets, targets climbing out, in any component) fail with
//     ENOTCAPABLE (76), as in wasmtime;
//   - lookupflags::symlink_follow applies to the last component only; a
//     symlink opened without it fails with ELOOP;
//   - a read-only preopen (Preopen::read_only, `--dir-ro`) and everything
//     opened through it refuse every mutation with EPERM (63), as wasmtime
//     does for preopens without the mutate permission: path_open with write
//     rights, append, creat or trunc; path_create_directory, _unlink_file,
//     _remove_directory, _rename, _link, _symlink, _filestat_set_times;
//     fd_filestat_set_size / _set_times / fd_allocate. The permission check
//     comes before path resolution;
//   - an fd not opened for reading / writing (or whose fd_read / fd_write
//     right was dropped) fails reads / writes with EBADF;
//   - path_symlink refuses absolute targets with ENOTCAPABLE; relative
//     targets are stored as given and checked whenever they are followed;
//   - path_link with symlink_follow is EINVAL.
// Other choices: fd_readdir returns ".", "..", then the entries sorted by
// name, cookie n = the n-th entry; proc_raise returns ENOSYS; sock_* return
// ENOTSUP (58); poll_oneoff supports realtime/monotonic clocks (relative and
// absolute) and fd_read/fd_write on stdio, files and host fds, regular files
// being always ready. Invalid guest pointers give EFAULT (21).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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
  // Stdio::Capture: each of stdout and stderr keeps at most this many bytes
  // per instance; a write that would pass it fails with EFBIG (a guest
  // printing in a loop cannot exhaust the host's memory).
  size_t capture_limit = size_t{64} << 20;
};

class Environment;

// Per-instance WASI state (state.h has the fd table). Constructing one does
// no syscall and no allocation; the state is created on first use.
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

  // Internal (state.h): the fd table and buffers, created on first use.
  struct State;
  State& state();

 private:
  std::shared_ptr<const Environment> env_;
  std::unique_ptr<State> state_;
};

// Opens the preopened directories. On failure returns null and sets `error`
// (e.g. "--dir /nope: No such file or directory").
std::shared_ptr<const Environment> make_environment(const Config& config, std::string& error);

// An Environment with `base`'s preopened directories (not opened again) and
// stdio, and its own args and environ: per-request environments (WAGI's CGI
// variables) without a directory open per request.
std::shared_ptr<const Environment> derive_environment(std::shared_ptr<const Environment> base,
                                                      const std::vector<std::string>& args,
                                                      const std::vector<std::string>& env);

// Defines all wasi_snapshot_preview1 imports in `linker`.
void link(engine::Linker& linker);

}  // namespace spindle::wasi

// Internal: the shared Environment and the per-instance fd table.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasi/abi.h"
#include "wasi/wasi.h"

namespace spindle::wasi {

struct OpenPreopen {
  int host_fd = -1;   // O_RDONLY | O_DIRECTORY, owned by the Environment
  std::string guest;  // the name fd_prestat_dir_name reports
  bool read_only = false;
};

class Environment {
 public:
  Environment() = default;
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // args and environ, laid out as args_get / environ_get copy them: the
  // NUL-terminated strings back to back, and each one's offset in the blob.
  std::string args_blob;
  std::vector<uint32_t> args_offsets;
  std::string env_blob;
  std::vector<uint32_t> env_offsets;
  std::vector<OpenPreopen> preopens;
  // Set when `preopens` are another Environment's (derive_environment): their
  // descriptors are that one's to close, and it lives as long as this one.
  std::shared_ptr<const Environment> preopens_owner;
  Stdio stdio = Stdio::Inherit;
  size_t capture_limit = 0;
};

enum class FdKind : uint8_t {
  Closed,
  Stdin,   // per Stdio mode
  Stdout,  // per Stdio mode
  Stderr,  // per Stdio mode
  File,    // a host fd that is not a directory (regular file, device, fifo)
  Dir,     // a host directory fd: root of path resolution
};

// One guest file descriptor.
struct FdEntry {
  FdKind kind = FdKind::Closed;
  bool owned = false;      // host_fd is closed with the entry
  bool readable = false;   // opened for reading (files) / listing (dirs)
  bool writable = false;   // opened for writing
  bool read_only = false;  // lives in a read-only preopen: no mutation at all
  int host_fd = -1;
  int preopen = -1;  // index into Environment::preopens while it is the preopen itself
  uint16_t fdflags = 0;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  // fd_readdir: the entries listed at cookie 0, reused for later cookies.
  struct DirEntry {
    std::string name;
    uint64_t ino = 0;
    uint8_t type = 0;
  };
  std::unique_ptr<std::vector<DirEntry>> listing;
  // A file opened in a read-only preopen: its stat at path_open, the
  // answer to the first fd_filestat_get (nothing in the sandbox can have
  // changed it since: one fstat saved on a file server's every request).
  std::unique_ptr<struct stat> opened_stat;
};

struct Context::State {
  const Environment* env = nullptr;
  std::vector<FdEntry> fds;  // built on first use
  bool fds_ready = false;
  std::string stdout_buf;
  std::string stderr_buf;
  std::string stdin_buf;
  size_t stdin_pos = 0;

  ~State();
  void init_fds();
  // The entry for `fd`, or null when it is not open.
  FdEntry* get(uint32_t fd);
  // Closes an entry's host resources (not the slot).
  static void release(FdEntry& e);
  // Stores a new entry in the lowest free slot; returns its number, or
  // kNoSlot when the table is full (the entry is then released).
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr size_t kMaxFds = 1024;
  uint32_t insert(FdEntry e);
};

}  // namespace spindle::wasi

// Internal: the shared Environment and the per-instance fd table.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasi/abi.h"
#include "wasi/wasi.h"

namespace spindle::wasi {

// A regular file of a read-only preopen, opened beneath it once and shared
// by every Context that opens the same path while that path still names the
// same file (device and inode, checked by a stat at each path_open): a file
// server's request then needs no open and no close. A file written in place
// reads as it is now (the descriptor is the file's); one replaced (renamed
// over, deleted) is not reused. Entries that use it keep their own position
// (reads are positional), never the descriptor's offset.
struct SharedFile {
  SharedFile(int f, const struct stat& s) : fd(f), dev(s.st_dev), ino(s.st_ino) {}
  ~SharedFile();
  SharedFile(const SharedFile&) = delete;
  SharedFile& operator=(const SharedFile&) = delete;
  const int fd;
  const dev_t dev;
  const ino_t ino;
};

// A read-only preopen's shared files, by the path the guest opened (and
// whether it followed a last symlink). Thread-safe; at most kMax files.
class FileCache {
 public:
  static constexpr size_t kMax = 256;
  // The file `path` named when shared, if `s` (its stat now) is that file.
  std::shared_ptr<const SharedFile> find(std::string_view path, bool follow, const struct stat& s);
  // Shares `fd` (just opened at `path`, a regular file): the new owner of
  // `fd`, or null when the cache is full (the caller keeps it).
  std::shared_ptr<const SharedFile> share(std::string_view path, bool follow, int fd,
                                          const struct stat& s);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const SharedFile>> files_;
};

struct OpenPreopen {
  int host_fd = -1;   // O_RDONLY | O_DIRECTORY, owned by the Environment
  std::string guest;  // the name fd_prestat_dir_name reports
  bool read_only = false;
  std::shared_ptr<FileCache> files;  // read-only preopens
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
  // A shared file (host_fd is its descriptor, not owned): fd_read, fd_seek
  // and fd_tell use `pos`.
  std::shared_ptr<const SharedFile> shared;
  uint64_t pos = 0;
};

struct Context::State {
  const Environment* env = nullptr;
  std::vector<FdEntry> fds;  // built on first use
  bool fds_ready = false;
  std::string stdout_buf;
  std::string stderr_buf;
  std::string stdin_buf;
  size_t stdin_pos = 0;
  // The last path_filestat_get in a read-only preopen, for the path_open of
  // the same path that often follows it (a file server's stat, then open).
  struct LastStat {
    int dir = -1;  // the directory's host fd; -1: none
    bool follow = false;
    std::string path;
    struct stat st;
  } last_stat;

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

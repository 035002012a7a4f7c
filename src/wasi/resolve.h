// Sandboxed path resolution: every path a guest names is resolved beneath a
// directory fd and can never leave it — not with an absolute path, not with
// `..` above the root, not through a symlink (absolute, or climbing out, in
// any component). Escapes fail with ENOTCAPABLE.
//
// Two implementations with the same contract:
//   - openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux >= 5.6),
//     used when the kernel has it;
//   - a component-by-component walk with O_NOFOLLOW that expands symlinks
//     itself (relative targets only, at most 40 of them), for older kernels.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "wasi/abi.h"

namespace spindle::wasi::fs {

// A host fd that is either owned (closed on destruction) or borrowed.
class HostFd {
 public:
  HostFd() = default;
  HostFd(int fd, bool owned) : fd_(fd), owned_(owned) {}
  HostFd(HostFd&& o) noexcept : fd_(o.fd_), owned_(o.owned_) { o.owned_ = false; }
  HostFd& operator=(HostFd&& o) noexcept;
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  ~HostFd();
  int get() const { return fd_; }
  // Gives up ownership; returns the fd.
  int release() {
    owned_ = false;
    return fd_;
  }

 private:
  int fd_ = -1;
  bool owned_ = false;
};

// Checks a guest path: non-empty (ENOENT), no NUL byte (EINVAL), valid UTF-8
// (EILSEQ), relative (ENOTCAPABLE).
abi::Errno check_path(std::string_view path);

// The directory containing the last component of `path`, opened beneath
// `root`, and that last component (never followed). A path ending in `..` or
// `.` resolves to that directory itself with name ".". `trailing_slash` is
// set when the path ended in '/'. Components before the last one may be
// symlinks that stay beneath `root`.
struct Parent {
  HostFd dir;
  std::string name;
  bool trailing_slash = false;
};
abi::Errno resolve_parent(int root, std::string_view path, Parent& out);

// Opens `path` beneath `root` with open(2) `flags` (O_CLOEXEC is added).
// When `follow_last` is false a symlink as the last component fails with
// ELOOP (or is opened itself with O_PATH).
abi::Errno open_beneath(int root, std::string_view path, int flags, mode_t mode, bool follow_last,
                        int& out_fd);

// Which implementation is used. Probed once (setting the environment
// variable SPINDLE_WASI_NO_OPENAT2=1 selects the walk); tests may force it.
bool using_openat2();
void force_portable_resolution(bool on);

}  // namespace spindle::wasi::fs

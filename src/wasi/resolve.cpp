#include "wasi/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <vector>

#include "util/utf8.h"

namespace spindle::wasi::fs {

namespace {

// 0 = not probed, 1 = openat2 works, 2 = use the portable walk.
std::atomic<int> g_mode{0};
std::atomic<bool> g_forced{false};

constexpr int kMaxSymlinks = 40;

long sys_openat2(int dirfd, const char* path, int flags, mode_t mode) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long r;
  // RESOLVE_BENEATH may ask to retry when a rename raced with the lookup.
  for (int attempt = 0; attempt < 8; ++attempt) {
    r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (r >= 0 || (errno != EAGAIN && errno != EINTR)) break;
  }
  return r;
}

bool probe_openat2() {
  // Escape hatch (and a way to run guests over the portable walk).
  if (const char* v = getenv("SPINDLE_WASI_NO_OPENAT2"); v && *v && *v != '0') return false;
  long r = syscall(SYS_openat2, AT_FDCWD, ".", nullptr, 0);
  // A kernel without openat2 says ENOSYS; one with it rejects the null how.
  (void)r;
  return errno != ENOSYS;
}

abi::Errno openat2_errno(int e) {
  // EXDEV from RESOLVE_BENEATH means the lookup tried to leave the root.
  if (e == EXDEV) return abi::kNotCapable;
  return abi::from_host_errno(e);
}

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The portable walk. Resolves `path` beneath `root` to the directory holding
// its last component and that component's name. With `follow_last`, a
// symlink as the last component is expanded too, so `name` is not a symlink
// (at the time of the check). Intermediate symlinks are always expanded.
abi::Errno walk(int root, std::string_view path, bool follow_last, Parent& out) {
  std::vector<int> stack;  // owned fds of the directories entered
  auto cur = [&] { return stack.empty() ? root : stack.back(); };
  auto fail = [&](abi::Errno e) {
    for (int fd : stack) close(fd);
    return e;
  };
  std::deque<std::string> comps;
  for (auto& c : split(path)) comps.push_back(std::move(c));
  std::string name = ".";
  int links = 0;
  while (!comps.empty()) {
    std::string c = std::move(comps.front());
    comps.pop_front();
    bool last = comps.empty();
    if (c == ".") {
      if (last) name = ".";
      continue;
    }
    if (c == "..") {
      if (stack.empty()) return fail(abi::kNotCapable);
      close(stack.back());
      stack.pop_back();
      if (last) name = ".";
      continue;
    }
    if (last && !follow_last) {
      name = std::move(c);
      break;
    }
    struct stat st;
    if (fstatat(cur(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (last && errno == ENOENT) {
        name = std::move(c);
        break;
      }
      return fail(abi::from_host_errno(errno));
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) return fail(abi::kLoop);
      std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 0) + 256, '\0');
      ssize_t n = readlinkat(cur(), c.c_str(), target.data(), target.size());
      if (n < 0) return fail(abi::from_host_errno(errno));
      if (static_cast<size_t>(n) >= target.size()) return fail(abi::kNameTooLong);
      target.resize(static_cast<size_t>(n));
      if (target.empty()) return fail(abi::kNoEnt);
      if (target[0] == '/') return fail(abi::kNotCapable);
      auto parts = split(target);
      // A target of "/"-only components ("a/" is fine) never happens here:
      // absolute targets were refused above.
      if (parts.empty()) parts.push_back(".");
      comps.insert(comps.begin(), parts.begin(), parts.end());
      continue;
    }
    if (last) {
      name = std::move(c);
      break;
    }
    if (!S_ISDIR(st.st_mode)) return fail(abi::kNotDir);
    int fd = openat(cur(), c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(abi::from_host_errno(errno));
    stack.push_back(fd);
  }
  if (stack.empty()) {
    out.dir = HostFd(root, false);
  } else {
    int top = stack.back();
    stack.pop_back();
    for (int fd : stack) close(fd);
    out.dir = HostFd(top, true);
  }
  out.name = std::move(name);
  return abi::kSuccess;
}

// Strips trailing slashes; returns whether there were any.
bool strip_trailing(std::string_view& path) {
  bool trailing = false;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    trailing = true;
  }
  return trailing;
}

}  // namespace

HostFd& HostFd::operator=(HostFd&& o) noexcept {
  if (this != &o) {
    if (owned_ && fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    owned_ = o.owned_;
    o.owned_ = false;
  }
  return *this;
}

HostFd::~HostFd() {
  if (owned_ && fd_ >= 0) close(fd_);
}

bool using_openat2() {
  if (g_forced.load(std::memory_order_relaxed)) return false;
  int m = g_mode.load(std::memory_order_relaxed);
  if (m == 0) {
    m = probe_openat2() ? 1 : 2;
    g_mode.store(m, std::memory_order_relaxed);
  }
  return m == 1;
}

void force_portable_resolution(bool on) { g_forced.store(on); }

abi::Errno check_path(std::string_view path) {
  if (path.empty()) return abi::kNoEnt;
  if (path.find('\0') != std::string_view::npos) return abi::kInval;
  if (!util::is_utf8(path)) return abi::kIlseq;
  if (path[0] == '/') return abi::kNotCapable;
  return abi::kSuccess;
}

abi::Errno resolve_parent(int root, std::string_view path, Parent& out) {
  if (abi::Errno e = check_path(path)) return e;
  out.trailing_slash = strip_trailing(path);
  std::string_view parent, name;
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    name = path;
  } else {
    parent = path.substr(0, slash);
    name = path.substr(slash + 1);
  }
  if (!using_openat2()) {
    abi::Errno e = walk(root, path, false, out);
    return e;
  }
  if (name == "..") {
    // The last component climbs: the directory it names is the target.
    parent = path;
    name = ".";
  }
  if (parent.empty()) {
    out.dir = HostFd(root, false);
  } else {
    std::string p(parent);
    long fd = sys_openat2(root, p.c_str(), O_PATH | O_DIRECTORY, 0);
    if (fd < 0) return openat2_errno(errno);
    out.dir = HostFd(static_cast<int>(fd), true);
  }
  out.name = std::string(name);
  return abi::kSuccess;
}

abi::Errno open_beneath(int root, std::string_view path, int flags, mode_t mode, bool follow_last,
                        int& out_fd) {
  if (abi::Errno e = check_path(path)) return e;
  if (!follow_last) flags |= O_NOFOLLOW;
  if (using_openat2()) {
    std::string p(path);
    long fd = sys_openat2(root, p.c_str(), flags, mode);
    if (fd < 0) return openat2_errno(errno);
    out_fd = static_cast<int>(fd);
    return abi::kSuccess;
  }
  bool trailing = strip_trailing(path);
  Parent parent;
  if (abi::Errno e = walk(root, path, follow_last || trailing, parent)) return e;
  if (trailing) flags |= O_DIRECTORY;
  // The walk expanded every symlink it was asked to follow; one that
  // appeared since is refused by O_NOFOLLOW.
  int fd = openat(parent.dir.get(), parent.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return abi::from_host_errno(errno);
  out_fd = fd;
  return abi::kSuccess;
}

}  // namespace spindle::wasi::fs

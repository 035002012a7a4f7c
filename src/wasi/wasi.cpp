// Environment (once per program) and Context (once per instance).
#include "wasi/wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "wasi/state.h"

namespace spindle::wasi {

namespace abi {

Errno from_host_errno(int e) {
  switch (e) {
    case 0:
      return kSuccess;
    case E2BIG:
      return k2Big;
    case EACCES:
      return kAcces;
    case EADDRINUSE:
      return kAddrInUse;
    case EADDRNOTAVAIL:
      return kAddrNotAvail;
    case EAFNOSUPPORT:
      return kAfNoSupport;
    case EAGAIN:
      return kAgain;
    case EALREADY:
      return kAlready;
    case EBADF:
      return kBadf;
    case EBADMSG:
      return kBadMsg;
    case EBUSY:
      return kBusy;
    case ECANCELED:
      return kCanceled;
    case ECHILD:
      return kChild;
    case ECONNABORTED:
      return kConnAborted;
    case ECONNREFUSED:
      return kConnRefused;
    case ECONNRESET:
      return kConnReset;
    case EDEADLK:
      return kDeadlk;
    case EDESTADDRREQ:
      return kDestAddrReq;
    case EDOM:
      return kDom;
    case EDQUOT:
      return kDquot;
    case EEXIST:
      return kExist;
    case EFAULT:
      return kFault;
    case EFBIG:
      return kFbig;
    case EHOSTUNREACH:
      return kHostUnreach;
    case EIDRM:
      return kIdrm;
    case EILSEQ:
      return kIlseq;
    case EINPROGRESS:
      return kInProgress;
    case EINTR:
      return kIntr;
    case EINVAL:
      return kInval;
    case EIO:
      return kIo;
    case EISCONN:
      return kIsConn;
    case EISDIR:
      return kIsDir;
    case ELOOP:
      return kLoop;
    case EMFILE:
      return kMfile;
    case EMLINK:
      return kMlink;
    case EMSGSIZE:
      return kMsgSize;
    case EMULTIHOP:
      return kMultihop;
    case ENAMETOOLONG:
      return kNameTooLong;
    case ENETDOWN:
      return kNetDown;
    case ENETRESET:
      return kNetReset;
    case ENETUNREACH:
      return kNetUnreach;
    case ENFILE:
      return kNfile;
    case ENOBUFS:
      return kNoBufs;
    case ENODEV:
      return kNoDev;
    case ENOENT:
      return kNoEnt;
    case ENOEXEC:
      return kNoExec;
    case ENOLCK:
      return kNoLck;
    case ENOLINK:
      return kNoLink;
    case ENOMEM:
      return kNoMem;
    case ENOMSG:
      return kNoMsg;
    case ENOPROTOOPT:
      return kNoProtoOpt;
    case ENOSPC:
      return kNoSpc;
    case ENOSYS:
      return kNoSys;
    case ENOTCONN:
      return kNotConn;
    case ENOTDIR:
      return kNotDir;
    case ENOTEMPTY:
      return kNotEmpty;
    case ENOTRECOVERABLE:
      return kNotRecoverable;
    case ENOTSOCK:
      return kNotSock;
    case ENOTSUP:
      return kNotSup;  // == EOPNOTSUPP on Linux
    case ENOTTY:
      return kNotTy;
    case ENXIO:
      return kNxio;
    case EOVERFLOW:
      return kOverflow;
    case EOWNERDEAD:
      return kOwnerDead;
    case EPERM:
      return kPerm;
    case EPIPE:
      return kPipe;
    case EPROTO:
      return kProto;
    case EPROTONOSUPPORT:
      return kProtoNoSupport;
    case EPROTOTYPE:
      return kProtoType;
    case ERANGE:
      return kRange;
    case EROFS:
      return kRofs;
    case ESPIPE:
      return kSpipe;
    case ESRCH:
      return kSrch;
    case ESTALE:
      return kStale;
    case ETIMEDOUT:
      return kTimedOut;
    case ETXTBSY:
      return kTxtBsy;
    case EXDEV:
      return kXdev;
    default:
      return kIo;
  }
}

}  // namespace abi

SharedFile::~SharedFile() { close(fd); }

namespace {
std::string cache_key(std::string_view path, bool follow) {
  std::string k(1, follow ? 'f' : 'n');
  k.append(path);
  return k;
}
}  // namespace

std::shared_ptr<const SharedFile> FileCache::find(std::string_view path, bool follow,
                                                  const struct stat& s) {
  std::string key = cache_key(path, follow);
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  if (it == files_.end()) return nullptr;
  if (it->second->dev == s.st_dev && it->second->ino == s.st_ino) return it->second;
  files_.erase(it);  // replaced since: closed once no Context uses it
  return nullptr;
}

std::shared_ptr<const SharedFile> FileCache::share(std::string_view path, bool follow, int fd,
                                                   const struct stat& s) {
  std::string key = cache_key(path, follow);
  std::lock_guard lock(mu_);
  auto it = files_.find(key);
  if (it == files_.end() && files_.size() >= kMax) return nullptr;
  auto f = std::make_shared<const SharedFile>(fd, s);
  if (it == files_.end())
    files_.emplace(std::move(key), f);
  else
    it->second = f;
  return f;
}

Environment::~Environment() {
  if (preopens_owner) return;
  for (auto& p : preopens)
    if (p.host_fd >= 0) close(p.host_fd);
}

namespace {

void add_strings(const std::vector<std::string>& in, std::string& blob,
                 std::vector<uint32_t>& offsets) {
  for (const auto& s : in) {
    offsets.push_back(static_cast<uint32_t>(blob.size()));
    // A string with an embedded NUL would be cut short in the guest anyway.
    blob.append(s.data(), strnlen(s.data(), s.size()));
    blob.push_back('\0');
  }
}

}  // namespace

std::shared_ptr<const Environment> make_environment(const Config& config, std::string& error) {
  auto env = std::make_shared<Environment>();
  add_strings(config.args, env->args_blob, env->args_offsets);
  add_strings(config.env, env->env_blob, env->env_offsets);
  env->stdio = config.stdio;
  env->capture_limit = config.capture_limit;
  for (const auto& p : config.preopens) {
    std::string flag = p.read_only ? "--dir-ro " : "--dir ";
    int fd = open(p.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      error = flag + p.host.string() + ": " + std::strerror(errno);
      return nullptr;
    }
    OpenPreopen op;
    op.host_fd = fd;
    op.guest = p.guest.empty() ? p.host.string() : p.guest;
    op.read_only = p.read_only;
    if (p.read_only) op.files = std::make_shared<FileCache>();
    env->preopens.push_back(std::move(op));
  }
  return env;
}

std::shared_ptr<const Environment> derive_environment(std::shared_ptr<const Environment> base,
                                                      const std::vector<std::string>& args,
                                                      const std::vector<std::string>& env) {
  auto out = std::make_shared<Environment>();
  add_strings(args, out->args_blob, out->args_offsets);
  add_strings(env, out->env_blob, out->env_offsets);
  out->stdio = base->stdio;
  out->capture_limit = base->capture_limit;
  out->preopens = base->preopens;
  out->preopens_owner = base->preopens_owner ? base->preopens_owner : std::move(base);
  return out;
}

// ---- Context --------------------------------------------------------------

Context::Context(std::shared_ptr<const Environment> env) : env_(std::move(env)) {}

Context::~Context() = default;

Context::State& Context::state() {
  if (!state_) {
    state_ = std::make_unique<State>();
    state_->env = env_.get();
  }
  return *state_;
}

std::string& Context::stdout_buffer() { return state().stdout_buf; }

std::string& Context::stderr_buffer() { return state().stderr_buf; }
void Context::set_stdin(std::string data) {
  State& s = state();
  s.stdin_buf = std::move(data);
  s.stdin_pos = 0;
}

Context::State::~State() {
  for (auto& e : fds) release(e);
}

void Context::State::release(FdEntry& e) {
  if (e.owned && e.host_fd >= 0) close(e.host_fd);
  e = FdEntry{};
}

void Context::State::init_fds() {
  fds_ready = true;
  fds.resize(3 + env->preopens.size());
  const FdKind stdio_kinds[3] = {FdKind::Stdin, FdKind::Stdout, FdKind::Stderr};
  for (int i = 0; i < 3; ++i) {
    FdEntry& e = fds[i];
    e.kind = stdio_kinds[i];
    e.host_fd = env->stdio == Stdio::Inherit ? i : -1;
    e.readable = i == 0;
    e.writable = i != 0;
    e.rights_base = abi::rights::kStream;
    e.rights_inheriting = 0;
  }
  for (size_t i = 0; i < env->preopens.size(); ++i) {
    FdEntry& e = fds[3 + i];
    const OpenPreopen& p = env->preopens[i];
    e.kind = FdKind::Dir;
    e.host_fd = p.host_fd;
    e.owned = false;
    e.readable = true;
    e.read_only = p.read_only;
    e.preopen = static_cast<int>(i);
    e.rights_base = abi::rights::kDirectory;
    e.rights_inheriting = abi::rights::kAll;
  }
}

FdEntry* Context::State::get(uint32_t fd) {
  if (!fds_ready) init_fds();
  if (fd >= fds.size() || fds[fd].kind == FdKind::Closed) return nullptr;
  return &fds[fd];
}

uint32_t Context::State::insert(FdEntry e) {
  if (!fds_ready) init_fds();
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].kind == FdKind::Closed) {
      fds[i] = std::move(e);
      return static_cast<uint32_t>(i);
    }
  }
  if (fds.size() >= kMaxFds) {
    release(e);
    return kNoSlot;
  }
  fds.push_back(std::move(e));
  return static_cast<uint32_t>(fds.size() - 1);
}

}  // namespace spindle::wasi

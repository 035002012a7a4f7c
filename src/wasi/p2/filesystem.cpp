// wasi:filesystem types and preopens over the preview-1 Environment's
// preopened directories. Every path is resolved by wasi/resolve.h (never
// out of the preopen: escapes answer `not-permitted`, as in wasmtime), and
// a read-only preopen (`--dir-ro`, the component's `files`) and everything
// opened through it refuse every mutation with `not-permitted` before the
// path is resolved, as preview 1 does with EPERM.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "wasi/listing.h"
#include "wasi/p2/define.h"
#include "wasi/p2/fs_types.h"
#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"
#include "wasi/state.h"

namespace spindle::wasi::p2 {

using namespace filesystem;

namespace {

constexpr std::string_view kTypes = "wasi:filesystem/types";
// One descriptor.read moves at most this much.
constexpr uint64_t kMaxRead = uint64_t{1} << 20;

Outcome ok(Results& r, std::optional<Val> v = std::nullopt) {
  r.push_back(Val::ok(std::move(v)));
  return Outcome::success();
}

Outcome fail(Results& r, Code c) {
  r.push_back(Val::err(Val::enumeration(c)));
  return Outcome::success();
}

Outcome fail_errno(Results& r, int e) { return fail(r, code_of_errno(e)); }

Outcome add(Context& cx, std::unique_ptr<Resource> obj, Results& r) {
  uint32_t rep = cx.table().add(std::move(obj));
  if (rep == 0)
    return Outcome::trapped(engine::TrapKind::HostError,
                            "wasi:filesystem: too many live WASI resources");
  return ok(r, Val::own(rep));
}

std::string with_slash(const fs::Parent& p) { return p.trailing_slash ? p.name + "/" : p.name; }

Val datetime(const struct timespec& ts) {
  return Val::some(Val::record(
      {Val::u64(static_cast<uint64_t>(ts.tv_sec)), Val::u32(static_cast<uint32_t>(ts.tv_nsec))}));
}

Val stat_record(const struct stat& s) {
  return Val::record({Val::enumeration(type_of(s.st_mode)), Val::u64(s.st_nlink),
                      Val::u64(static_cast<uint64_t>(s.st_size)), datetime(s.st_atim),
                      datetime(s.st_mtim), datetime(s.st_ctim)});
}

Val hash_of(const struct stat& s) {
  return Val::record({Val::u64(static_cast<uint64_t>(s.st_ino)), Val::u64(s.st_dev)});
}

// new-timestamp -> a utimensat timespec.
struct timespec time_of(const Val& v) {
  struct timespec ts {};
  switch (v.case_index()) {
    case 0:
      ts.tv_nsec = UTIME_OMIT;
      break;
    case 1:
      ts.tv_nsec = UTIME_NOW;
      break;
    default: {
      std::span<const Val> dt = v.payload()->as_record();
      ts.tv_sec = static_cast<time_t>(dt[0].as_u64());
      ts.tv_nsec = static_cast<long>(std::min<uint32_t>(dt[1].as_u32(), 999999999));
      break;
    }
  }
  return ts;
}

// Stats `path` beneath `root`, following the last symlink when asked (or
// when the path ends in '/'), as preview 1's path_filestat_get.
abi::Errno stat_path(int root, std::string_view path, bool follow, struct stat& s) {
  fs::Parent p;
  if (abi::Errno err = fs::resolve_parent(root, path, p)) return err;
  if (follow || p.trailing_slash) {
    int fd;
    if (abi::Errno err = fs::open_beneath(root, path, O_PATH, 0, true, fd)) return err;
    int rc = fstat(fd, &s);
    int saved = errno;
    close(fd);
    return rc == 0 ? abi::kSuccess : abi::from_host_errno(saved);
  }
  if (fstatat(p.dir.get(), p.name.c_str(), &s, AT_SYMLINK_NOFOLLOW) != 0)
    return abi::from_host_errno(errno);
  return abi::kSuccess;
}

using DescFn = Outcome (*)(Context& cx, Descriptor& d, Params p, Results& r);

void method(component::HostImports& host, std::string_view name, DescFn fn) {
  std::string member = "[method]descriptor." + std::string(name);
  define_cx(host, kTypes, member, [fn, member](Context& cx, InstanceData*, Params p, Results& r) {
    auto* d = cx.table().get<Descriptor>(p[0].rep());
    if (d == nullptr) return bad_handle(member);
    return fn(cx, *d, p, r);
  });
}

// For calls that change the directory at `path`: the parent, refused on a
// read-only descriptor (before resolution) and on a file.
Outcome writable_parent(Descriptor& d, std::string_view path, fs::Parent& out, Results& r,
                        bool& done) {
  done = true;
  if (!d.dir) return fail(r, kNotDirectory);
  if (d.read_only) return fail(r, kNotPermitted);
  if (abi::Errno e = fs::resolve_parent(d.host(), path, out)) return fail(r, code_of(e));
  done = false;
  return Outcome::success();
}

// ---- descriptor: data --------------------------------------------------------

Outcome read_via_stream(Context& cx, Descriptor& d, Params p, Results& r) {
  if (d.dir) return fail(r, kIsDirectory);
  if (!d.readable) return fail(r, kBadDescriptor);
  return add(cx, make_file_reader(d.fd, p[1].as_u64()), r);
}

Outcome writer(Context& cx, Descriptor& d, uint64_t offset, bool append, Results& r) {
  if (d.dir) return fail(r, kIsDirectory);
  if (!d.writable) return fail(r, d.read_only ? kNotPermitted : kBadDescriptor);
  return add(cx, make_file_writer(d.fd, offset, append), r);
}

Outcome d_read(Context&, Descriptor& d, Params p, Results& r) {
  if (d.dir) return fail(r, kIsDirectory);
  if (!d.readable) return fail(r, kBadDescriptor);
  uint64_t want = std::min(p[1].as_u64(), kMaxRead);
  std::string buf(static_cast<size_t>(want), '\0');
  ssize_t n;
  do n = pread(d.host(), buf.data(), buf.size(), static_cast<off_t>(p[2].as_u64()));
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail_errno(r, errno);
  buf.resize(static_cast<size_t>(n));
  bool eof = want > 0 && static_cast<uint64_t>(n) < want;
  return ok(r, Val::tuple({Val::bytes(buf), Val::boolean(eof)}));
}

Outcome d_write(Context&, Descriptor& d, Params p, Results& r) {
  if (d.dir) return fail(r, kIsDirectory);
  if (!d.writable) return fail(r, d.read_only ? kNotPermitted : kBadDescriptor);
  std::string_view b = p[1].as_bytes();
  uint64_t off = p[2].as_u64(), done = 0;
  while (done < b.size()) {
    ssize_t n = pwrite(d.host(), b.data() + done, b.size() - done, static_cast<off_t>(off + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      return fail_errno(r, errno);
    }
    done += static_cast<uint64_t>(n);
  }
  return ok(r, Val::u64(done));
}

Outcome set_size(Context&, Descriptor& d, Params p, Results& r) {
  if (d.dir) return fail(r, kIsDirectory);
  if (d.read_only) return fail(r, kNotPermitted);
  if (!d.writable) return fail(r, kBadDescriptor);
  if (ftruncate(d.host(), static_cast<off_t>(p[1].as_u64())) != 0) return fail_errno(r, errno);
  return ok(r);
}

Outcome set_times(Context&, Descriptor& d, Params p, Results& r) {
  if (d.read_only) return fail(r, kNotPermitted);
  struct timespec ts[2] = {time_of(p[1]), time_of(p[2])};
  if (futimens(d.host(), ts) != 0) return fail_errno(r, errno);
  return ok(r);
}

Outcome sync_common(Descriptor& d, Results& r, bool data) {
  int rc = data ? fdatasync(d.host()) : fsync(d.host());
  // A read-only directory fd cannot always be synced; nothing to sync then.
  if (rc != 0 && !(errno == EINVAL || (errno == EBADF && d.dir))) return fail_errno(r, errno);
  return ok(r);
}

// ---- descriptor: metadata ----------------------------------------------------

Outcome d_stat(Context&, Descriptor& d, Params, Results& r) {
  struct stat s;
  if (fstat(d.host(), &s) != 0) return fail_errno(r, errno);
  return ok(r, stat_record(s));
}

Outcome stat_at(Context&, Descriptor& d, Params p, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  struct stat s;
  if (abi::Errno e = stat_path(d.host(), p[2].as_string(), p[1].flag(0), s))
    return fail(r, code_of(e));
  return ok(r, stat_record(s));
}

Outcome get_type(Context&, Descriptor& d, Params, Results& r) {
  struct stat s;
  if (fstat(d.host(), &s) != 0) return fail_errno(r, errno);
  return ok(r, Val::enumeration(type_of(s.st_mode)));
}

Outcome metadata_hash(Context&, Descriptor& d, Params, Results& r) {
  struct stat s;
  if (fstat(d.host(), &s) != 0) return fail_errno(r, errno);
  return ok(r, hash_of(s));
}

Outcome metadata_hash_at(Context&, Descriptor& d, Params p, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  struct stat s;
  if (abi::Errno e = stat_path(d.host(), p[2].as_string(), p[1].flag(0), s))
    return fail(r, code_of(e));
  return ok(r, hash_of(s));
}

Outcome is_same_object(Context& cx, Descriptor& d, Params p, Results& r) {
  auto* o = cx.table().get<Descriptor>(p[1].rep());
  struct stat a, b;
  bool same = o != nullptr && fstat(d.host(), &a) == 0 && fstat(o->host(), &b) == 0 &&
              a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  r.push_back(Val::boolean(same));
  return Outcome::success();
}

// ---- descriptor: directories and paths --------------------------------------

Outcome read_directory(Context& cx, Descriptor& d, Params, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  std::vector<ListedEntry> entries;
  if (int e = list_entries(d.host(), entries)) return fail_errno(r, e);
  auto out = std::make_unique<DirectoryEntryStream>();
  for (ListedEntry& x : entries) out->entries.push_back({type_of(x.type), std::move(x.name)});
  return add(cx, std::move(out), r);
}

Outcome open_at(Context& cx, Descriptor& d, Params p, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  bool follow = p[1].flag(0);
  std::string_view path = p[2].as_string();
  uint32_t of = p[3].as_flags(), fl = p[4].as_flags();
  bool create = of & 1, directory = of & 2, exclusive = of & 4, truncate = of & 8;
  bool read = fl & kFlagRead, write = fl & kFlagWrite;
  // Write access does not apply to a directory (as preview 1's path_open).
  if (directory) write = false;
  if (d.read_only && (write || create || truncate)) return fail(r, kNotPermitted);
  int flags = O_NOCTTY;
  flags |= read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (create) flags |= O_CREAT;
  if (directory) flags |= O_DIRECTORY;
  if (exclusive) flags |= O_EXCL;
  if (truncate) flags |= O_TRUNC;
  if (fl & kFlagFileSync) flags |= O_SYNC;
  if (fl & kFlagDataSync) flags |= O_DSYNC;
  if (fl & kFlagReadSync) flags |= O_RSYNC;
  int fd;
  if (abi::Errno e = fs::open_beneath(d.host(), path, flags, 0666, follow, fd))
    return fail(r, code_of(e));
  auto out = std::make_unique<Descriptor>();
  out->fd = std::make_shared<fs::HostFd>(fd, true);
  struct stat s;
  if (fstat(fd, &s) != 0) return fail_errno(r, errno);
  out->dir = S_ISDIR(s.st_mode);
  out->readable = out->dir || read || !write;
  out->writable = write;
  out->read_only = d.read_only;
  out->flags = fl & ~kFlagMutateDir;
  if (out->readable) out->flags |= kFlagRead;
  if (out->dir && !d.read_only && (fl & kFlagMutateDir)) out->flags |= kFlagMutateDir;
  return add(cx, std::move(out), r);
}

Outcome create_directory_at(Context&, Descriptor& d, Params p, Results& r) {
  fs::Parent par;
  bool done;
  if (Outcome o = writable_parent(d, p[1].as_string(), par, r, done); done) return o;
  if (mkdirat(par.dir.get(), with_slash(par).c_str(), 0777) != 0) return fail_errno(r, errno);
  return ok(r);
}

Outcome remove_directory_at(Context&, Descriptor& d, Params p, Results& r) {
  fs::Parent par;
  bool done;
  if (Outcome o = writable_parent(d, p[1].as_string(), par, r, done); done) return o;
  if (unlinkat(par.dir.get(), par.name.c_str(), AT_REMOVEDIR) != 0) return fail_errno(r, errno);
  return ok(r);
}

Outcome unlink_file_at(Context&, Descriptor& d, Params p, Results& r) {
  fs::Parent par;
  bool done;
  if (Outcome o = writable_parent(d, p[1].as_string(), par, r, done); done) return o;
  if (unlinkat(par.dir.get(), with_slash(par).c_str(), 0) != 0) return fail_errno(r, errno);
  return ok(r);
}

Outcome rename_at(Context& cx, Descriptor& d, Params p, Results& r) {
  auto* nd = cx.table().get<Descriptor>(p[2].rep());
  if (nd == nullptr) return bad_handle("descriptor.rename-at");
  if (!d.dir || !nd->dir) return fail(r, kNotDirectory);
  if (d.read_only || nd->read_only) return fail(r, kNotPermitted);
  fs::Parent op, np;
  if (abi::Errno e = fs::resolve_parent(d.host(), p[1].as_string(), op)) return fail(r, code_of(e));
  if (abi::Errno e = fs::resolve_parent(nd->host(), p[3].as_string(), np))
    return fail(r, code_of(e));
  if (renameat(op.dir.get(), with_slash(op).c_str(), np.dir.get(), with_slash(np).c_str()) != 0)
    return fail_errno(r, errno);
  return ok(r);
}

Outcome link_at(Context& cx, Descriptor& d, Params p, Results& r) {
  auto* nd = cx.table().get<Descriptor>(p[3].rep());
  if (nd == nullptr) return bad_handle("descriptor.link-at");
  if (!d.dir || !nd->dir) return fail(r, kNotDirectory);
  if (d.read_only || nd->read_only) return fail(r, kNotPermitted);
  if (p[1].flag(0)) return fail(r, kInvalid);
  fs::Parent op, np;
  if (abi::Errno e = fs::resolve_parent(d.host(), p[2].as_string(), op)) return fail(r, code_of(e));
  if (abi::Errno e = fs::resolve_parent(nd->host(), p[4].as_string(), np))
    return fail(r, code_of(e));
  if (op.trailing_slash) return fail(r, kNotPermitted);
  if (linkat(op.dir.get(), op.name.c_str(), np.dir.get(), with_slash(np).c_str(), 0) != 0)
    return fail_errno(r, errno);
  return ok(r);
}

Outcome symlink_at(Context&, Descriptor& d, Params p, Results& r) {
  std::string_view target = p[1].as_string();
  fs::Parent par;
  bool done;
  if (!d.dir) return fail(r, kNotDirectory);
  if (d.read_only) return fail(r, kNotPermitted);
  if (target.empty()) return fail(r, kNoEntry);
  if (target.find('\0') != std::string_view::npos) return fail(r, kInvalid);
  if (target[0] == '/') return fail(r, kNotPermitted);
  if (Outcome o = writable_parent(d, p[2].as_string(), par, r, done); done) return o;
  if (symlinkat(std::string(target).c_str(), par.dir.get(), with_slash(par).c_str()) != 0)
    return fail_errno(r, errno);
  return ok(r);
}

Outcome readlink_at(Context&, Descriptor& d, Params p, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  fs::Parent par;
  if (abi::Errno e = fs::resolve_parent(d.host(), p[1].as_string(), par))
    return fail(r, code_of(e));
  if (par.trailing_slash) return fail(r, kInvalid);
  std::string buf(PATH_MAX, '\0');
  ssize_t n = readlinkat(par.dir.get(), par.name.c_str(), buf.data(), buf.size());
  if (n < 0) return fail_errno(r, errno);
  buf.resize(static_cast<size_t>(n));
  return ok(r, Val::string(std::move(buf)));
}

Outcome set_times_at(Context&, Descriptor& d, Params p, Results& r) {
  if (!d.dir) return fail(r, kNotDirectory);
  if (d.read_only) return fail(r, kNotPermitted);
  std::string_view path = p[2].as_string();
  struct timespec ts[2] = {time_of(p[3]), time_of(p[4])};
  fs::Parent par;
  if (abi::Errno e = fs::resolve_parent(d.host(), path, par)) return fail(r, code_of(e));
  if (p[1].flag(0) || par.trailing_slash) {
    int fd;
    if (abi::Errno e = fs::open_beneath(d.host(), path, O_PATH, 0, true, fd))
      return fail(r, code_of(e));
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    int rc = utimensat(AT_FDCWD, proc.c_str(), ts, 0);
    int saved = errno;
    close(fd);
    if (rc != 0) return fail_errno(r, saved);
    return ok(r);
  }
  if (utimensat(par.dir.get(), par.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno(r, errno);
  return ok(r);
}

void link_descriptor(component::HostImports& host) {
  method(host, "read-via-stream", read_via_stream);
  method(host, "write-via-stream", [](Context& cx, Descriptor& d, Params p, Results& r) {
    return writer(cx, d, p[1].as_u64(), false, r);
  });
  method(host, "append-via-stream",
         [](Context& cx, Descriptor& d, Params, Results& r) { return writer(cx, d, 0, true, r); });
  method(host, "advise", [](Context&, Descriptor& d, Params p, Results& r) {
    if (!d.dir)
      posix_fadvise(d.host(), static_cast<off_t>(p[1].as_u64()), static_cast<off_t>(p[2].as_u64()),
                    POSIX_FADV_NORMAL);
    return ok(r);
  });
  method(host, "sync-data",
         [](Context&, Descriptor& d, Params, Results& r) { return sync_common(d, r, true); });
  method(host, "sync",
         [](Context&, Descriptor& d, Params, Results& r) { return sync_common(d, r, false); });
  method(host, "get-flags",
         [](Context&, Descriptor& d, Params, Results& r) { return ok(r, Val::flags(d.flags)); });
  method(host, "get-type", get_type);
  method(host, "set-size", set_size);
  method(host, "set-times", set_times);
  method(host, "read", d_read);
  method(host, "write", d_write);
  method(host, "read-directory", read_directory);
  method(host, "create-directory-at", create_directory_at);
  method(host, "stat", d_stat);
  method(host, "stat-at", stat_at);
  method(host, "set-times-at", set_times_at);
  method(host, "link-at", link_at);
  method(host, "open-at", open_at);
  method(host, "readlink-at", readlink_at);
  method(host, "remove-directory-at", remove_directory_at);
  method(host, "rename-at", rename_at);
  method(host, "symlink-at", symlink_at);
  method(host, "unlink-file-at", unlink_file_at);
  method(host, "is-same-object", is_same_object);
  method(host, "metadata-hash", metadata_hash);
  method(host, "metadata-hash-at", metadata_hash_at);
}

}  // namespace

void link_filesystem(component::HostImports& host) {
  define_resource(host, kTypes, "descriptor");
  define_resource(host, kTypes, "directory-entry-stream");
  link_descriptor(host);
  define_cx(host, kTypes, "[method]directory-entry-stream.read-directory-entry",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = cx.table().get<DirectoryEntryStream>(p[0].rep());
              if (s == nullptr) return bad_handle("directory-entry-stream.read-directory-entry");
              if (s->next >= s->entries.size()) return ok(r, Val::none());
              const DirEntry& e = s->entries[s->next++];
              return ok(r, Val::some(Val::record({Val::enumeration(e.type), Val::string(e.name)})));
            });
  define_cx(host, kTypes, "filesystem-error-code",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* e = cx.table().get<IoError>(p[0].rep());
              if (e == nullptr || e->fs_code < 0)
                r.push_back(Val::none());
              else
                r.push_back(Val::some(Val::enumeration(static_cast<uint32_t>(e->fs_code))));
              return Outcome::success();
            });
  define_cx(host, "wasi:filesystem/preopens", "get-directories",
            [](Context& cx, InstanceData*, Params, Results& r) {
              const Environment& env = *cx.preview1().state().env;
              std::vector<Val> out;
              for (const OpenPreopen& po : env.preopens) {
                auto d = std::make_unique<Descriptor>();
                d->fd = std::make_shared<fs::HostFd>(po.host_fd, false);
                d->dir = true;
                d->readable = true;
                d->read_only = po.read_only;
                d->flags = kFlagRead | (po.read_only ? 0 : kFlagMutateDir);
                uint32_t rep = cx.table().add(std::move(d));
                if (rep == 0)
                  return Outcome::trapped(engine::TrapKind::HostError,
                                          "get-directories: too many live WASI resources");
                out.push_back(Val::tuple({Val::own(rep), Val::string(po.guest)}));
              }
              r.push_back(Val::list(std::move(out)));
              return Outcome::success();
            });
}

}  // namespace spindle::wasi::p2

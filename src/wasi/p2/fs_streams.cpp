// File streams (read-via-stream, write-via-stream, append-via-stream) and
// the error-code mapping.
#include <errno.h>
#include <unistd.h>

#include <cstring>

#include "wasi/p2/fs_types.h"

namespace spindle::wasi::p2::filesystem {

Code code_of(abi::Errno e) {
  switch (e) {
    case abi::kAcces:
      return kAccess;
    case abi::kAgain:
      return kWouldBlock;
    case abi::kAlready:
      return kAlready;
    case abi::kBadf:
      return kBadDescriptor;
    case abi::kBusy:
      return kBusy;
    case abi::kDeadlk:
      return kDeadlock;
    case abi::kDquot:
      return kQuota;
    case abi::kExist:
      return kExist;
    case abi::kFbig:
      return kFileTooLarge;
    case abi::kIlseq:
      return kIllegalByteSequence;
    case abi::kInProgress:
      return kInProgress;
    case abi::kIntr:
      return kInterrupted;
    case abi::kInval:
      return kInvalid;
    case abi::kIsDir:
      return kIsDirectory;
    case abi::kLoop:
      return kLoop;
    case abi::kMlink:
      return kTooManyLinks;
    case abi::kMsgSize:
      return kMessageSize;
    case abi::kNameTooLong:
      return kNameTooLong;
    case abi::kNoDev:
      return kNoDevice;
    case abi::kNoEnt:
      return kNoEntry;
    case abi::kNoLck:
      return kNoLock;
    case abi::kNoMem:
      return kInsufficientMemory;
    case abi::kNoSpc:
      return kInsufficientSpace;
    case abi::kNotDir:
      return kNotDirectory;
    case abi::kNotEmpty:
      return kNotEmpty;
    case abi::kNotRecoverable:
      return kNotRecoverable;
    case abi::kNotSup:
      return kUnsupported;
    case abi::kNotTy:
      return kNoTty;
    case abi::kNxio:
      return kNoSuchDevice;
    case abi::kOverflow:
      return kOverflow;
    case abi::kPerm:
    case abi::kNotCapable:
      return kNotPermitted;
    case abi::kPipe:
      return kPipe;
    case abi::kRofs:
      return kReadOnly;
    case abi::kSpipe:
      return kInvalidSeek;
    case abi::kTxtBsy:
      return kTextFileBusy;
    case abi::kXdev:
      return kCrossDevice;
    default:
      return kIo;
  }
}

Code code_of_errno(int host_errno) { return code_of(abi::from_host_errno(host_errno)); }

uint32_t type_of(mode_t mode) {
  if (S_ISBLK(mode)) return 1;
  if (S_ISCHR(mode)) return 2;
  if (S_ISDIR(mode)) return 3;
  if (S_ISFIFO(mode)) return 4;
  if (S_ISLNK(mode)) return 5;
  if (S_ISREG(mode)) return 6;
  if (S_ISSOCK(mode)) return 7;
  return 0;
}

namespace {

// What one file read or check-write moves at most.
constexpr uint64_t kChunk = uint64_t{1} << 20;

StreamResult failure(int e) { return StreamResult::failed(std::strerror(e), code_of_errno(e)); }

class FileReader : public InputStream {
 public:
  FileReader(std::shared_ptr<fs::HostFd> fd, uint64_t pos) : fd_(std::move(fd)), pos_(pos) {}
  bool ready() override { return true; }  // regular files never block
  bool wait(Deadline) override { return true; }
  StreamResult read(uint64_t max, std::string& out) override {
    if (eof_) return StreamResult::closed();
    size_t n = static_cast<size_t>(std::min(max, kChunk));
    if (n == 0) return StreamResult::ok();
    size_t old = out.size();
    out.resize(old + n);
    ssize_t k;
    do k = ::pread(fd_->get(), out.data() + old, n, static_cast<off_t>(pos_));
    while (k < 0 && errno == EINTR);
    if (k < 0) {
      out.resize(old);
      return failure(errno);
    }
    out.resize(old + static_cast<size_t>(k));
    if (k == 0) {
      eof_ = true;
      return StreamResult::closed();
    }
    pos_ += static_cast<uint64_t>(k);
    return StreamResult::ok();
  }

 private:
  std::shared_ptr<fs::HostFd> fd_;
  uint64_t pos_;
  bool eof_ = false;
};

class FileWriter : public OutputStream {
 public:
  FileWriter(std::shared_ptr<fs::HostFd> fd, uint64_t pos, bool append)
      : fd_(std::move(fd)), pos_(pos), append_(append) {}
  bool ready() override { return true; }
  bool wait(Deadline) override { return true; }
  StreamResult check_write(uint64_t& permitted) override {
    permitted = kChunk;
    return StreamResult::ok();
  }
  StreamResult write(std::string_view bytes) override {
    if (append_) {
      struct stat s;
      if (fstat(fd_->get(), &s) != 0) return failure(errno);
      pos_ = static_cast<uint64_t>(s.st_size);
    }
    while (!bytes.empty()) {
      ssize_t k = ::pwrite(fd_->get(), bytes.data(), bytes.size(), static_cast<off_t>(pos_));
      if (k < 0) {
        if (errno == EINTR) continue;
        return failure(errno);
      }
      pos_ += static_cast<uint64_t>(k);
      bytes.remove_prefix(static_cast<size_t>(k));
    }
    return StreamResult::ok();
  }
  StreamResult flush() override { return StreamResult::ok(); }

 private:
  std::shared_ptr<fs::HostFd> fd_;
  uint64_t pos_;
  bool append_;
};

}  // namespace

std::unique_ptr<InputStream> make_file_reader(std::shared_ptr<fs::HostFd> fd, uint64_t offset) {
  return std::make_unique<FileReader>(std::move(fd), offset);
}

std::unique_ptr<OutputStream> make_file_writer(std::shared_ptr<fs::HostFd> fd, uint64_t offset,
                                               bool append) {
  return std::make_unique<FileWriter>(std::move(fd), offset, append);
}

}  // namespace spindle::wasi::p2::filesystem

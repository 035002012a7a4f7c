// Internal to wasi:filesystem: the host objects behind `descriptor` and
// `directory-entry-stream`, file streams, and the error-code enum.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "wasi/abi.h"
#include "wasi/p2/streams.h"
#include "wasi/resolve.h"

namespace spindle::wasi::p2::filesystem {

// wasi:filesystem/types error-code cases (in WIT order).
enum Code : uint32_t {
  kAccess = 0,
  kWouldBlock = 1,
  kAlready = 2,
  kBadDescriptor = 3,
  kBusy = 4,
  kDeadlock = 5,
  kQuota = 6,
  kExist = 7,
  kFileTooLarge = 8,
  kIllegalByteSequence = 9,
  kInProgress = 10,
  kInterrupted = 11,
  kInvalid = 12,
  kIo = 13,
  kIsDirectory = 14,
  kLoop = 15,
  kTooManyLinks = 16,
  kMessageSize = 17,
  kNameTooLong = 18,
  kNoDevice = 19,
  kNoEntry = 20,
  kNoLock = 21,
  kInsufficientMemory = 22,
  kInsufficientSpace = 23,
  kNotDirectory = 24,
  kNotEmpty = 25,
  kNotRecoverable = 26,
  kUnsupported = 27,
  kNoTty = 28,
  kNoSuchDevice = 29,
  kOverflow = 30,
  kNotPermitted = 31,
  kPipe = 32,
  kReadOnly = 33,
  kInvalidSeek = 34,
  kTextFileBusy = 35,
  kCrossDevice = 36,
};

// A preview-1 errno (resolve.h's results) as an error-code. ENOTCAPABLE
// (an escape from the preopen) is `not-permitted`, as in wasmtime.
Code code_of(abi::Errno e);
Code code_of_errno(int host_errno);

// descriptor-flags bits.
constexpr uint32_t kFlagRead = 1u << 0;
constexpr uint32_t kFlagWrite = 1u << 1;
constexpr uint32_t kFlagFileSync = 1u << 2;
constexpr uint32_t kFlagDataSync = 1u << 3;
constexpr uint32_t kFlagReadSync = 1u << 4;
constexpr uint32_t kFlagMutateDir = 1u << 5;

// descriptor-type of a stat mode.
uint32_t type_of(mode_t mode);

class Descriptor : public Resource {
 public:
  std::shared_ptr<fs::HostFd> fd;
  bool dir = false;
  bool readable = false;
  bool writable = false;
  // In a read-only preopen: every mutation answers not-permitted.
  bool read_only = false;
  uint32_t flags = 0;  // descriptor-flags it was opened with
  int host() const { return fd->get(); }
};

struct DirEntry {
  uint32_t type;
  std::string name;
};

class DirectoryEntryStream : public Resource {
 public:
  std::vector<DirEntry> entries;
  size_t next = 0;
};

// Streams over a file from `offset` (append: each write at the end).
std::unique_ptr<InputStream> make_file_reader(std::shared_ptr<fs::HostFd> fd, uint64_t offset);
std::unique_ptr<OutputStream> make_file_writer(std::shared_ptr<fs::HostFd> fd, uint64_t offset,
                                               bool append);

}  // namespace spindle::wasi::p2::filesystem

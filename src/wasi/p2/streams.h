// wasi:io 0.2 as the host sees it: what a pollable waits on (Waitable), and
// the input and output streams every WASI 0.2 / wasi:http producer and
// consumer implements (stdio, files, HTTP bodies). wasi:io/streams and
// wasi:io/poll (io.cpp) are written once over these interfaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wasi/p2/resources.h"

namespace spindle::wasi::p2 {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// Something a wasi:io/poll pollable can wait for.
class Waitable {
 public:
  virtual ~Waitable() = default;
  // Whether the operation the pollable stands for would not block now.
  virtual bool ready() = 0;
  // Blocks until ready() or `deadline` (none: no limit); false at the deadline.
  virtual bool wait(Deadline deadline) = 0;
};

// The outcome of a stream operation: wasi:io/streams `stream-error`.
struct StreamResult {
  enum Kind : uint8_t { Ok, Closed, Failed } kind = Ok;
  std::string error;  // Failed: the `error` resource's debug string
  // Failed: the wasi:filesystem `error-code` case filesystem-error-code
  // reports for the error (file streams); -1: none.
  int32_t fs_code = -1;
  static StreamResult ok() { return {}; }
  static StreamResult closed() { return {Closed, {}, -1}; }
  static StreamResult failed(std::string e, int32_t fs_code = -1) {
    return {Failed, std::move(e), fs_code};
  }
};

class InputStream : public Resource, public Waitable {
 public:
  // Appends up to `max` bytes to `out` without blocking (zero when none is
  // ready yet). Closed at the end of the stream.
  virtual StreamResult read(uint64_t max, std::string& out) = 0;
};

class OutputStream : public Resource, public Waitable {
 public:
  // How many bytes write() accepts now without blocking (0: wait for ready()).
  virtual StreamResult check_write(uint64_t& permitted) = 0;
  // Writes at most what check_write permitted.
  virtual StreamResult write(std::string_view bytes) = 0;
  // Starts (and, for the blocking variant, the caller waits for) a flush.
  virtual StreamResult flush() = 0;
};

}  // namespace spindle::wasi::p2

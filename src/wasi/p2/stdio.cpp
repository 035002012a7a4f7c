#include "wasi/p2/stdio.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

#include "wasi/state.h"

namespace spindle::wasi::p2 {

namespace {

using Clock = std::chrono::steady_clock;

// What check-write permits at once.
constexpr uint64_t kWriteBudget = uint64_t{1} << 20;

// Waits for `events` on `fd` until `deadline`; true when it came.
bool poll_fd(int fd, short events, Deadline deadline) {
  while (true) {
    int ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0)
        ms = 0;
      else
        ms = static_cast<int>(std::min<long long>(left, 60000));
    }
    struct pollfd p {
      fd, events, 0
    };
    int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the read report the error
    if (n == 0 && deadline && Clock::now() >= *deadline) return false;
  }
}

class Stdin : public InputStream {
 public:
  explicit Stdin(wasi::Context& p1) : st_(p1.state()) {}
  bool ready() override {
    if (st_.env->stdio != Stdio::Inherit) return true;
    return poll_fd(0, POLLIN, Clock::now());
  }
  bool wait(Deadline deadline) override {
    if (st_.env->stdio != Stdio::Inherit) return true;
    return poll_fd(0, POLLIN, deadline);
  }
  StreamResult read(uint64_t max, std::string& out) override {
    switch (st_.env->stdio) {
      case Stdio::Null:
        return StreamResult::closed();
      case Stdio::Capture: {
        if (st_.stdin_pos >= st_.stdin_buf.size()) return StreamResult::closed();
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(max, st_.stdin_buf.size() - st_.stdin_pos));
        out.append(st_.stdin_buf, st_.stdin_pos, n);
        st_.stdin_pos += n;
        return StreamResult::ok();
      }
      case Stdio::Inherit:
        break;
    }
    if (max == 0 || !ready()) return StreamResult::ok();
    size_t old = out.size();
    out.resize(old + static_cast<size_t>(max));
    ssize_t n;
    do n = ::read(0, out.data() + old, static_cast<size_t>(max));
    while (n < 0 && errno == EINTR);
    out.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n == 0) return StreamResult::closed();
    if (n < 0) {
      if (errno == EAGAIN) return StreamResult::ok();
      return StreamResult::failed(std::strerror(errno));
    }
    return StreamResult::ok();
  }

 private:
  wasi::Context::State& st_;
};

class Stdout : public OutputStream {
 public:
  Stdout(wasi::Context& p1, int fd) : st_(p1.state()), fd_(fd) {}
  bool ready() override { return true; }
  bool wait(Deadline) override { return true; }
  StreamResult check_write(uint64_t& permitted) override {
    permitted = kWriteBudget;
    return StreamResult::ok();
  }
  StreamResult write(std::string_view bytes) override {
    switch (st_.env->stdio) {
      case Stdio::Null:
        return StreamResult::ok();
      case Stdio::Capture: {
        std::string& buf = fd_ == 2 ? st_.stderr_buf : st_.stdout_buf;
        // As preview 1's fd_write: a write past the capture limit fails whole.
        if (buf.size() + bytes.size() > st_.env->capture_limit)
          return StreamResult::failed("File too large (the captured output limit)");
        buf.append(bytes);
        return StreamResult::ok();
      }
      case Stdio::Inherit:
        break;
    }
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          poll_fd(fd_, POLLOUT, std::nullopt);
          continue;
        }
        if (errno == EPIPE) return StreamResult::closed();
        return StreamResult::failed(std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return StreamResult::ok();
  }
  StreamResult flush() override { return StreamResult::ok(); }

 private:
  wasi::Context::State& st_;
  int fd_;
};

}  // namespace

std::unique_ptr<InputStream> make_stdin(wasi::Context& p1) { return std::make_unique<Stdin>(p1); }

std::unique_ptr<OutputStream> make_stdout(wasi::Context& p1, int fd) {
  return std::make_unique<Stdout>(p1, fd);
}

}  // namespace spindle::wasi::p2

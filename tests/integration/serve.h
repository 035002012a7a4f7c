// Serving from tests: background processes, a `spindle up` on a free
// loopback port, and curl.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "process.h"

namespace spindle::test {

// A background process whose stdout and stderr go to the log file `log`; it is
// stopped with SIGTERM on destruction.
class Background {
 public:
  Background(std::vector<std::string> argv, std::string log, std::vector<std::string> env = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // The rest of the first log line containing `marker`, waiting up to 30 s
  // ("" on timeout). `after` skips that many bytes of the log first.
  std::string wait_for(const std::string& marker, size_t after = 0) const;
  std::string log() const { return slurp(log_); }
  pid_t pid() const { return pid_; }
  // Waits up to `timeout` for the process to end by itself: its exit
  // status (128 + N when signal N ended it), or -1 if still running.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// A running `spindle <command>` (default `up`) serving `app_dir` on a free
// loopback port, with the test-local compile cache.
class Up {
 public:
  explicit Up(const std::string& app_dir, std::vector<std::string> extra = {},
              const std::string& command = "up");
  // "http://127.0.0.1:port" (https:// with --tls-cert); "" when it did not start.
  const std::string& url() const { return url_; }
  std::string log() const { return proc_.log(); }
  const Background& process() const { return proc_; }

 private:
  Background proc_;
  std::string url_;
};

// A fresh app folder `name` (temp_dir) whose spin.toml (manifest v2) serves
// build/guests/<guest_name>.wasm as the component `id` on `route`.
std::string one_component_app(const std::string& name, const std::string& guest_name,
                              const std::string& id, const std::string& route = "/...");

// A free loopback TCP port (0 when none could be had).
int free_port();
// The same, but below the kernel's ephemeral range, so that no outgoing
// connection takes it as its local port: for a server that must listen on
// the same port again after it was killed.
int free_fixed_port();

// A TCP connection to `address` ("127.0.0.1:port", or a URL
// "http://127.0.0.1:port"); -1 when it cannot be made. The caller closes it.
int connect_to(const std::string& address);

// curl -s -S --max-time 20 <args>.
Result curl(std::vector<std::string> args);

// The status code curl got for `args` (the body is discarded).
std::string http_code(std::vector<std::string> args);

}  // namespace spindle::test

// Request bodies streamed to wasi:http components by a real `spindle up`:
// the guest reads the body while the client still sends it, bodies past the
// buffered limit go through, `expect: 100-continue` is answered only when
// the body is wanted, trailers reach the guest, and a body the guest leaves
// unread neither breaks the response nor the connection. The component is
// tests/guests/http_component (routes /pipe, /count, /ignore); a Spin 1
// module (spin_echo) beside it still gets its body whole, up to 16 MiB.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "jco.h"
#include "serve.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kComponent = fs::path(SPINDLE_GUEST_DIR) / "http_component.wasm";

// One client connection, written and read by the test step by step.
class Conn {
 public:
  explicit Conn(const std::string& url) : fd_(connect_to(url)) {}
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until what was received (since the last clear()) contains `text`,
  // the peer closes, or 10 s pass; true when `text` arrived.
  bool read_until(const std::string& text) {
    auto end = Clock::now() + std::chrono::seconds(10);
    char buf[65536];
    while (got_.find(text) == std::string::npos && Clock::now() < end && !closed_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got_.append(buf, static_cast<size_t>(n));
    }
    return got_.find(text) != std::string::npos;
  }
  // Whether the server closes the connection within 10 s (what arrives
  // until then is kept).
  bool closed_by_peer() {
    read_until(std::string(1, '\0') + "never");
    return closed_;
  }
  const std::string& got() const { return got_; }
  void clear() { got_.clear(); }

 private:
  int fd_;
  std::string got_;
  bool closed_ = false;
};

// The C component at "/...", and the Spin 1 echo module at "/spin/...".
std::string app_dir(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  std::ofstream(dir + "/spin.toml")
      << "spin_manifest_version = 2\n\n"
         "[application]\nname = \"bodies\"\n\n"
         "[[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n\n"
         "[[trigger.http]]\nroute = \"/spin/...\"\n"
         "component = \"spin\"\n\n"
         "[component.c]\nsource = \""
      << kComponent.string() << "\"\n\n[component.spin]\nsource = \"spin_echo.wasm\"\n";
  return dir;
}

// `size` bytes of every value, not repeating within 251 bytes.
std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

class RequestBody : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kComponent))
      GTEST_SKIP() << kComponent << " was not built (the npm packages in tests/components are "
                   << "not installed: run scripts/setup)";
  }
};

// The guest answers each piece of a chunked body before the client has sent
// the next: the echo of the first piece arrives while the request is still
// open. The client's trailers reach the guest (which returns them), and the
// connection then serves the next request.
TEST_F(RequestBody, TheGuestReadsTheBodyWhileTheClientStillSendsIt) {
  Up up(app_dir("body_pipe"));
  ASSERT_FALSE(up.url().empty()) << up.log();
  Conn c(up.url());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(
      c.send_all("POST /pipe HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
                 "te: trailers\r\n\r\n5\r\nfirst\r\n"));
  // Buffered, nothing would come back before the body's end.
  ASSERT_TRUE(c.read_until("first")) << c.got() << "\n" << up.log();
  EXPECT_NE(c.got().find("HTTP/1.1 200 OK\r\n"), std::string::npos) << c.got();
  EXPECT_NE(c.got().find("Transfer-Encoding: chunked\r\n"), std::string::npos) << c.got();
  EXPECT_EQ(c.got().find("second"), std::string::npos);
  ASSERT_TRUE(c.send_all("6\r\nsecond\r\n0\r\nx-sum: 11\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n0\r\nx-sum: 11\r\n\r\n")) << c.got() << "\n" << up.log();
  EXPECT_TRUE(c.got().ends_with("5\r\nfirst\r\n6\r\nsecond\r\n0\r\nx-sum: 11\r\n\r\n")) << c.got();

  c.clear();
  ASSERT_TRUE(c.send_all("GET /hello HTTP/1.1\r\nhost: x\r\n\r\n"));
  EXPECT_TRUE(c.read_until("hello from C\n")) << c.got() << "\n" << up.log();
}

// Bodies far past the 16 MiB a buffered request may have go through to a
// component that reads them as they come, byte for byte, as under jco
// serve; the Spin 1 module still gets 413 for the same body.
TEST_F(RequestBody, BodiesPastTheBufferedLimitReachTheComponentAsUnderJco) {
  std::string dir = app_dir("body_big");
  std::string big = pattern(size_t{40} << 20);
  std::ofstream(dir + "/big.bin", std::ios::binary) << big;
  std::ofstream(dir + "/mid.bin", std::ios::binary) << big.substr(0, 3 << 20);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  JcoServer jco(kComponent, dir);
  ASSERT_TRUE(jco.ready()) << jco.log();

  Result r = curl({"--data-binary", "@" + dir + "/big.bin", up.url() + "/count"});
  EXPECT_EQ(r.out, std::to_string(big.size()) + " bytes\n") << r.err << "\n" << up.log();
  r = curl({"--data-binary", "@" + dir + "/big.bin", up.url() + "/pipe"});
  EXPECT_EQ(r.out.size(), big.size()) << r.err;
  EXPECT_TRUE(r.out == big) << "the echoed body differs";
  // chunked from the client too
  r = curl({"-H", "transfer-encoding: chunked", "--data-binary", "@" + dir + "/big.bin",
            up.url() + "/count"});
  EXPECT_EQ(r.out, std::to_string(big.size()) + " bytes\n") << r.err;

  for (const char* path : {"/count", "/pipe"}) {
    std::vector<std::string> args = {"-H", "Expect:", "--data-binary", "@" + dir + "/mid.bin"};
    Result want = curl([&] {
      auto a = args;
      a.push_back(jco.url() + path);
      return a;
    }());
    Result got = curl([&] {
      auto a = args;
      a.push_back(up.url() + path);
      return a;
    }());
    ASSERT_EQ(want.status, 0) << path << ": " << want.err << "\n" << jco.log();
    EXPECT_EQ(got.out.size(), want.out.size()) << path;
    EXPECT_TRUE(got.out == want.out) << path;
  }

  EXPECT_EQ(http_code({"-o", "/dev/null", "--data-binary", "@" + dir + "/big.bin",
                       up.url() + "/spin/echo"}),
            "413");
  r = curl({"--data-binary", "@" + dir + "/mid.bin", up.url() + "/spin/echo"});
  EXPECT_TRUE(r.out == big.substr(0, 3 << 20)) << "the Spin 1 module's echo differs";
}

// `expect: 100-continue`: a streamed body is asked for when the guest
// first reads it, so a guest that answers without reading never asks; a
// buffered body (the Spin 1 module) is asked for at once.
TEST_F(RequestBody, ExpectContinueIsAnsweredWhenTheBodyIsWanted) {
  Up up(app_dir("body_continue"));
  ASSERT_FALSE(up.url().empty()) << up.log();
  for (const char* path : {"/pipe", "/spin/echo"}) {
    Conn c(up.url());
    ASSERT_TRUE(c.send_all(std::string("POST ") + path +
                           " HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n"
                           "expect: 100-continue\r\n\r\n"));
    ASSERT_TRUE(c.read_until("HTTP/1.1 100 Continue\r\n\r\n")) << path << ": " << c.got();
    EXPECT_TRUE(c.got().starts_with("HTTP/1.1 100 Continue\r\n\r\n")) << c.got();
    ASSERT_TRUE(c.send_all("hello"));
    EXPECT_TRUE(c.read_until("hello")) << path << ": " << c.got() << "\n" << up.log();
    EXPECT_NE(c.got().find("HTTP/1.1 200 OK"), std::string::npos) << c.got();
  }
  Conn c(up.url());
  ASSERT_TRUE(
      c.send_all("POST /ignore HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n"
                 "expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.read_until("ignored\n")) << c.got() << "\n" << up.log();
  EXPECT_TRUE(c.got().starts_with("HTTP/1.1 200 OK\r\n")) << c.got();
}

// A guest that answers without reading the body: the client gets the whole
// response; a small rest of the body is read and dropped and the connection
// serves the next request; a large rest ends the connection after the
// response (not before it).
TEST_F(RequestBody, AnUnreadBodyIsDroppedAndTheResponseArrivesWhole) {
  Up up(app_dir("body_unread"));
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string small = pattern(200 << 10);
  {
    Conn c(up.url());
    ASSERT_TRUE(c.send_all("POST /ignore HTTP/1.1\r\nhost: x\r\ncontent-length: " +
                           std::to_string(small.size()) + "\r\n\r\n" + small.substr(0, 1000)));
    ASSERT_TRUE(c.read_until("ignored\n")) << c.got() << "\n" << up.log();
    ASSERT_TRUE(c.send_all(small.substr(1000)));
    c.clear();
    ASSERT_TRUE(c.send_all("GET /hello HTTP/1.1\r\nhost: x\r\n\r\n"));
    EXPECT_TRUE(c.read_until("hello from C\n")) << c.got() << "\n" << up.log();
  }
  {
    Conn c(up.url());
    ASSERT_TRUE(
        c.send_all("POST /ignore HTTP/1.1\r\nhost: x\r\ncontent-length: 50000000\r\n\r\n" + small));
    ASSERT_TRUE(c.read_until("ignored\n")) << c.got() << "\n" << up.log();
    EXPECT_TRUE(c.got().starts_with("HTTP/1.1 200 OK\r\n")) << c.got();
    EXPECT_TRUE(c.closed_by_peer()) << "the connection stayed open with 50 MB unread";
  }
  // curl sending 40 MiB to a guest that reads none of it gets the answer.
  std::string dir = temp_dir("body_unread_curl");
  std::ofstream(dir + "/big.bin", std::ios::binary) << pattern(size_t{40} << 20);
  Result r = curl({"-H", "Expect:", "--data-binary", "@" + dir + "/big.bin", up.url() + "/ignore"});
  EXPECT_EQ(r.out, "ignored\n") << r.err;
}

// A client that goes away in the middle of its body: the guest's read fails
// (the C component then answers 400 to no one), and the server goes on.
TEST_F(RequestBody, AClientGoneMidBodyFailsTheGuestsReadAndTheServerGoesOn) {
  Up up(app_dir("body_gone"));
  ASSERT_FALSE(up.url().empty()) << up.log();
  {
    Conn c(up.url());
    ASSERT_TRUE(c.send_all("POST /count HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n" +
                           pattern(5000)));
  }
  std::string line = up.process().wait_for("POST /count c 400");
  EXPECT_NE(line, "") << up.log();
  EXPECT_EQ(curl({up.url() + "/hello"}).out, "hello from C\n");
}

}  // namespace
}  // namespace spindle::test

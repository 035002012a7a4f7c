// The HTTP server over real loopback sockets: keep-alive, pipelining, HEAD,
// body limits, malformed requests.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trigger/http/server.h"

using namespace spindle::trigger::http;

namespace {

// A minimal blocking HTTP/1.1 client over one TCP connection.
class Conn {
 public:
  explicit Conn(const std::string& address) {
    auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~Conn() { close(fd_); }
  bool ok() const { return ok_; }
  void send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Reads one response; returns "" on EOF/timeout. Sets status and body.
  bool response(int& status, std::string& body, bool head = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::string headers = buf_.substr(0, end);
    last_head = headers;
    buf_.erase(0, end + 4);
    status = std::stoi(headers.substr(9, 3));
    size_t len = 0;
    auto pos = headers.find("Content-Length: ");
    if (pos != std::string::npos) len = std::stoul(headers.substr(pos + 16));
    if (head) len = 0;
    while (buf_.size() < len)
      if (!fill()) return false;
    body = buf_.substr(0, len);
    buf_.erase(0, len);
    return true;
  }
  bool closed() { return !fill(); }
  std::string last_head;  // the last response's status line and header

 private:
  bool fill() {
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.max_body_bytes = 1 << 20;
    std::string err;
    ASSERT_TRUE(server_.start(
        o,
        [this](Incoming&& in, Respond respond) {
          ++count_;
          Outgoing out;
          out.headers.emplace_back("content-type", "text/plain");
          out.body = in.method + " " + in.uri + " " + std::to_string(in.body.size());
          respond(std::move(out));
        },
        err))
        << err;
  }
  Server server_;
  std::atomic<int> count_{0};
};

TEST_F(ServerTest, KeepAliveServesAThousandRequestsOnOneConnection) {
  Conn c(server_.address());
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 1000; ++i) {
    c.send("GET /n/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    int status;
    std::string body;
    ASSERT_TRUE(c.response(status, body)) << i;
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "GET /n/" + std::to_string(i) + " 0");
  }
  EXPECT_EQ(count_.load(), 1000);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Conn c(server_.address());
  c.send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int status;
  std::string body;
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(body, "GET /a 0");
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(body, "POST /b 5");
  ASSERT_TRUE(c.response(status, body, /*head=*/true));
  EXPECT_EQ(status, 200);
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(body, "GET /d 0");
  EXPECT_TRUE(c.closed());
}

TEST_F(ServerTest, ChunkedBodiesAndBodyLimit) {
  Conn c(server_.address());
  c.send(
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  int status;
  std::string body;
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(body, "POST /up 5");
  Conn big(server_.address());
  big.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" +
           std::string(100, 'x'));
  ASSERT_TRUE(big.response(status, body));
  EXPECT_EQ(status, 413);
}

TEST_F(ServerTest, ABodyTooLargeGets413EvenWhileTheClientIsStillSending) {
  // The client sends its whole 3 MiB body (the limit is 1 MiB) before it
  // reads: the server answers 413 when it passes the limit, and the client
  // still reads that answer, then the close.
  Conn big(server_.address());
  std::string chunk(64 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  std::string body;
  for (int i = 0; i < 48; ++i) body += size_line + chunk + "\r\n";
  body += "0\r\n\r\n";
  big.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  int status = 0;
  std::string text;
  ASSERT_TRUE(big.response(status, text));
  EXPECT_EQ(status, 413);
  EXPECT_EQ(text, "request body too large\n");
  EXPECT_TRUE(big.closed());
}

TEST_F(ServerTest, MalformedRequestsGet400AndTheServerGoesOn) {
  {
    Conn c(server_.address());
    c.send("THIS IS NOT HTTP\r\n\r\n");
    int status;
    std::string body;
    ASSERT_TRUE(c.response(status, body));
    EXPECT_EQ(status, 400);
    EXPECT_TRUE(c.closed());
  }
  {
    Conn c(server_.address());
    c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    int status;
    std::string body;
    ASSERT_TRUE(c.response(status, body));
    EXPECT_EQ(status, 200);
  }
}

}  // namespace

namespace {

// A server with `o` whose handler answers "<uri>" inline, or from another
// thread after 300 ms for "/slow".
struct Custom {
  explicit Custom(ServerOptions o) {
    o.listen = "127.0.0.1:0";
    o.threads = 1;
    std::string err;
    ok = server.start(
        o,
        [this](Incoming&& in, Respond respond) {
          Outgoing out;
          out.body = in.uri;
          if (in.uri == "/split") {
            out.headers = {{"x-ok", "fine"},
                           {"x-bad", "a\r\nInjected: yes"},
                           {"bad\r\nInjected-Too", "v"},
                           {"x-lf", "b\nInjected-Lf: yes"}};
          }
          if (in.uri != "/slow") return respond(std::move(out));
          std::lock_guard lock(mu);
          late.emplace_back([respond, out]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            respond(out);
            respond(out);  // a second answer is ignored
          });
        },
        err);
  }
  ~Custom() {
    for (auto& t : late) t.join();
  }
  Server server;
  bool ok = false;
  std::mutex mu;
  std::vector<std::thread> late;
};

}  // namespace

TEST(ServerLimits, HeadersThatWouldSplitTheResponseAreDropped) {
  Custom s(ServerOptions{});
  ASSERT_TRUE(s.ok);
  Conn c(s.server.address());
  c.send("GET /split HTTP/1.1\r\nHost: x\r\n\r\n");
  int status = 0;
  std::string body;
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "/split");
  EXPECT_NE(c.last_head.find("\r\nx-ok: fine\r\n"), std::string::npos) << c.last_head;
  EXPECT_EQ(c.last_head.find("Injected"), std::string::npos) << c.last_head;
  // The connection is still in step: the next request is answered.
  c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.response(status, body));
  EXPECT_EQ(body, "/next");
}

TEST(ServerLimits, TooManyOrTooLargeHeadersGet431) {
  ServerOptions o;
  o.max_header_count = 10;
  o.max_header_bytes = 2048;
  Custom s(o);
  ASSERT_TRUE(s.ok);
  std::string many = "GET /a HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 12; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  Conn c1(s.server.address());
  c1.send(many + "\r\n");
  int status = 0;
  std::string body;
  ASSERT_TRUE(c1.response(status, body));
  EXPECT_EQ(status, 431);
  EXPECT_TRUE(c1.closed());
  Conn c2(s.server.address());
  c2.send("GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n");
  ASSERT_TRUE(c2.response(status, body));
  EXPECT_EQ(status, 431);
  Conn c3(s.server.address());  // within the limits: served
  c3.send("GET /fine HTTP/1.1\r\nHost: x\r\nX-1: v\r\n\r\n");
  ASSERT_TRUE(c3.response(status, body));
  EXPECT_EQ(body, "/fine");
}

TEST(ServerLimits, AHeaderThatDoesNotArriveInTimeClosesTheConnection) {
  ServerOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  Custom s(o);
  ASSERT_TRUE(s.ok);
  Conn slow(s.server.address());
  slow.send("GET /a HTTP/1.1\r\nHost: x\r\n");  // never finished
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(slow.closed());
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(waited, 3.0);  // closed by the header timeout, not the 5 s client timeout
  // An idle keep-alive connection is not held to the header timeout.
  Conn idle(s.server.address());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  idle.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
  int status = 0;
  std::string body;
  ASSERT_TRUE(idle.response(status, body));
  EXPECT_EQ(body, "/late");
}

TEST(ServerLimits, AtTheConnectionCapTheOldestIdleConnectionMakesRoom) {
  ServerOptions o;
  o.max_connections = 3;
  Custom s(o);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.server.max_connections(), 3u);
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<Conn>(s.server.address()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Conn fresh(s.server.address());
  fresh.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n");
  int status = 0;
  std::string body;
  ASSERT_TRUE(fresh.response(status, body));
  EXPECT_EQ(body, "/new");
  EXPECT_TRUE(idle[0]->closed());  // the oldest went
  idle[2]->send("GET /kept HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle[2]->response(status, body));
  EXPECT_EQ(body, "/kept");
}

TEST(ServerLimits, AResponseFromAnotherThreadDoesNotHoldTheIoThread) {
  Custom s(ServerOptions{});  // one I/O thread
  ASSERT_TRUE(s.ok);
  Conn slow(s.server.address());
  slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  // While /slow is pending on another thread, the only I/O thread answers.
  Conn quick(s.server.address());
  auto t0 = std::chrono::steady_clock::now();
  quick.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
  int status = 0;
  std::string body;
  ASSERT_TRUE(quick.response(status, body));
  EXPECT_EQ(body, "/quick");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.25);
  ASSERT_TRUE(slow.response(status, body));
  EXPECT_EQ(body, "/slow");
  // The connection goes on after the late answer (the second one was dropped).
  slow.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(slow.response(status, body));
  EXPECT_EQ(body, "/next");
}

// The wasi:http component written in C with the canonical ABI by hand
// (tests/guests/http_component, built into build/guests/http_component.wasm
// during the build): `jco serve`, the oracle, answers its routes as the
// README says, and `spindle up` answers them the same way, streaming the
// bodies the guest writes piece by piece.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http_peer.h"
#include "jco.h"
#include "serve.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;

const fs::path kComponent = fs::path(SPINDLE_GUEST_DIR) / "http_component.wasm";

struct Response {
  std::string status;                          // "" when curl failed
  std::map<std::string, std::string> headers;  // lowercase names, values as sent
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// curl -i (without Expect: 100-continue) of `url` with `args` before it.
Response fetch(const std::string& url, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"-i", "-H", "Expect:"});
  args.push_back(url);
  Result r = curl(args);
  Response out;
  size_t end = r.out.find("\r\n\r\n");
  if (r.status != 0 || end == std::string::npos) return out;
  std::string head = r.out.substr(0, end);
  out.body = r.out.substr(end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  size_t sp = status_line.find(' ');
  if (sp != std::string::npos) out.status = status_line.substr(sp + 1, 3);
  while (line_end != std::string::npos) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string line =
        head.substr(start, line_end == std::string::npos ? line_end : line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out.headers[name] = value;
  }
  return out;
}

// The requests both servers get: a label, curl arguments, and the path.
struct Request {
  std::string label;
  std::vector<std::string> args;
  std::string path;
};

// 100 KB of varied bytes (every value 0..255), written to `dir`/big.bin.
std::string big_body(const std::string& dir) {
  std::string big(100 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  std::ofstream(dir + "/big.bin", std::ios::binary) << big;
  return big;
}

// A directory with a spin.toml serving the C component at "/...".
std::string app_dir(const std::string& name) {
  std::string dir = temp_dir(name);
  std::ofstream(dir + "/spin.toml") << "spin_manifest_version = 2\n\n"
                                       "[application]\nname = \"c-component\"\n\n"
                                       "[[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n\n"
                                       "[component.c]\nsource = \""
                                    << kComponent.string() << "\"\n";
  return dir;
}

std::vector<Request> requests(const std::string& dir) {
  std::string big = "@" + dir + "/big.bin";
  return {
      {"GET /hello", {}, "/hello"},
      {"POST /echo", {"-H", "content-type: text/x-test", "--data-binary", "a body"}, "/echo"},
      {"PUT /echo with a query", {"-X", "PUT", "--data-binary", "put body"}, "/echo?a=1&b=Two"},
      {"GET /echo", {}, "/echo"},
      {"POST /echo 100 KB", {"--data-binary", big}, "/echo"},
      {"GET /status/201", {}, "/status/201"},
      {"GET /status/418", {}, "/status/418"},
      {"GET /status/503", {}, "/status/503"},
      {"GET /status/abc", {}, "/status/abc"},
      {"POST /hello", {"--data-binary", "x"}, "/hello"},
      {"GET /nowhere", {}, "/nowhere/at/all"},
  };
}

class HttpComponent : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kComponent)) {
      if (!fs::exists(kJco))
        GTEST_SKIP() << "the npm packages in tests/components are not installed (run "
                        "scripts/setup), so "
                     << kComponent << " was not built";
      FAIL() << kComponent
             << " is missing though the npm packages are installed: rebuild "
                "(cmake --build build)";
    }
    ASSERT_TRUE(fs::exists(kJco)) << kJco;
    if (run_process({"timeout", "5", "true"}).status != 0)
      GTEST_SKIP() << "coreutils' timeout is not available";
  }
};

TEST_F(HttpComponent, JcoServesTheHandWrittenCComponent) {
  std::string dir = temp_dir("http_component_jco");
  std::string big = big_body(dir);
  JcoServer jco(kComponent, dir);
  ASSERT_TRUE(jco.ready()) << jco.log();

  Response r = fetch(jco.url() + "/hello");
  EXPECT_EQ(r.status, "200") << jco.log();
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.body, "hello from C\n");

  r = fetch(jco.url() + "/echo?a=1&b=Two",
            {"-H", "content-type: text/x-test", "-H", "x-other: 1", "--data-binary", "a body"});
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.header("x-method"), "POST");
  EXPECT_EQ(r.header("x-path"), "/echo?a=1&b=Two");
  EXPECT_EQ(r.header("content-type"), "text/x-test");  // the request's, read from its headers
  EXPECT_EQ(r.body, "a body");

  r = fetch(jco.url() + "/echo", {"-X", "PUT", "--data-binary", ""});
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.header("x-method"), "PUT");
  EXPECT_EQ(r.header("x-path"), "/echo");
  EXPECT_EQ(r.header("content-type"), "application/x-www-form-urlencoded");  // curl's default
  EXPECT_EQ(r.body, "");

  r = fetch(jco.url() + "/echo");
  EXPECT_EQ(r.header("x-method"), "GET");
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
  EXPECT_EQ(r.body, "");

  // 100 KB in and out: many blocking reads, 25 writes of 4096 bytes
  r = fetch(jco.url() + "/echo", {"-H", "content-type: application/octet-stream", "--data-binary",
                                  "@" + dir + "/big.bin"});
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.body.size(), big.size());
  EXPECT_TRUE(r.body == big);

  for (std::string code : {"201", "418", "503"}) {
    r = fetch(jco.url() + "/status/" + code);
    EXPECT_EQ(r.status, code);
    EXPECT_EQ(r.header("content-type"), "text/plain");
    EXPECT_EQ(r.body, "status " + code + "\n");
  }
  r = fetch(jco.url() + "/status/99");
  EXPECT_EQ(r.status, "400");
  EXPECT_EQ(r.body, "bad status\n");

  for (std::string path : {"/", "/nowhere", "/hello/there", "/echoes"}) {
    r = fetch(jco.url() + path);
    EXPECT_EQ(r.status, "404") << path;
    EXPECT_EQ(r.body, "not found\n") << path;
  }
  EXPECT_EQ(fetch(jco.url() + "/hello", {"--data-binary", "x"}).status, "404");  // GET only

  // a fresh instance per request: the same answers again
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fetch(jco.url() + "/hello").body, "hello from C\n");
}

// spindle up and jco serve give the same status, headers and body.
TEST_F(HttpComponent, SpindleServesTheHandWrittenCComponent) {
  std::string dir = app_dir("http_component_up");
  std::string big = big_body(dir);
  JcoServer jco(kComponent, dir);
  ASSERT_TRUE(jco.ready()) << jco.log();
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();

  for (const Request& q : requests(dir)) {
    Response want = fetch(jco.url() + q.path, q.args);
    Response got = fetch(up.url() + q.path, q.args);
    ASSERT_FALSE(want.status.empty()) << q.label << "\n" << jco.log();
    EXPECT_EQ(got.status, want.status) << q.label << "\n" << up.log();
    for (const char* h : {"content-type", "x-method", "x-path"})
      EXPECT_EQ(got.header(h), want.header(h)) << q.label << ": " << h;
    EXPECT_EQ(got.body.size(), want.body.size()) << q.label;
    EXPECT_TRUE(got.body == want.body) << q.label;
  }
  Response r = fetch(up.url() + "/echo", {"--data-binary", "@" + dir + "/big.bin"});
  EXPECT_TRUE(r.body == big);
  // each request gets a fresh instance
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fetch(up.url() + "/hello").body, "hello from C\n");
}

// What a raw HTTP/1.1 client read of one response, piece by piece, with the
// milliseconds since the request was sent at which each piece arrived.
struct Timed {
  std::string bytes;
  std::vector<std::pair<double, size_t>> arrivals;  // (ms, bytes so far)
  // When the bytes so far first contained `text` (-1: never).
  double when(const std::string& text) const {
    for (const auto& [ms, n] : arrivals)
      if (bytes.substr(0, n).find(text) != std::string::npos) return ms;
    return -1;
  }
};

// Sends `request` to the server at `url` (http://127.0.0.1:port) and reads
// until `end` is in the answer, the peer closes, or 10 s pass.
Timed read_timed(const std::string& url, const std::string& request, const std::string& end) {
  Timed out;
  int fd = connect_to(url);
  if (fd < 0) return out;
  auto start = std::chrono::steady_clock::now();
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[65536];
  while (out.bytes.find(end) == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.bytes.append(buf, static_cast<size_t>(n));
    out.arrivals.emplace_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
        out.bytes.size());
  }
  close(fd);
  return out;
}

// A body the guest writes in pieces reaches the client piece by piece: the
// first line arrives while the guest still waits to write the next ones,
// then the end of the chunked body with the guest's trailer.
TEST_F(HttpComponent, ABodyWrittenInPiecesIsStreamedAsTheGuestWritesIt) {
  std::string dir = app_dir("http_component_stream");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Timed t =
      read_timed(up.url(), "GET /stream?n=3&ms=400 HTTP/1.1\r\nhost: x\r\nte: trailers\r\n\r\n",
                 "\r\n0\r\nx-chunks: 3\r\n\r\n");
  double first = t.when("chunk 0\n"), last = t.when("chunk 2\n");
  ASSERT_GE(first, 0) << t.bytes << "\n" << up.log();
  ASSERT_GE(last, 0) << t.bytes;
  EXPECT_NE(t.bytes.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << t.bytes;
  // Buffered, the three lines would arrive together after 800 ms.
  EXPECT_LT(first, 300) << "the first piece waited for the others";
  EXPECT_GE(last - first, 600) << t.bytes;
  // The trailer the guest gave outgoing-body.finish, after the last chunk.
  EXPECT_TRUE(t.bytes.ends_with("chunk 2\n\r\n0\r\nx-chunks: 3\r\n\r\n")) << t.bytes;

  // Without `te: trailers` the body ends with no trailer; HTTP/1.0 gets the
  // body unchunked, ended by the close.
  Result r = curl({"--raw", up.url() + "/stream?n=2&ms=10"});
  EXPECT_EQ(r.out, "8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n0\r\n\r\n");
  r = curl({"-0", "-i", up.url() + "/stream?n=2&ms=10"});
  EXPECT_NE(r.out.find("HTTP/1.0 200"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("chunked"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n\r\nchunk 0\nchunk 1\n")) << r.out;
}

// The streamed bodies are the ones jco serve gives, also for a body much
// larger than the socket buffers sent to a client that reads slowly (the
// guest's writes wait for it).
TEST_F(HttpComponent, StreamedBodiesMatchJcoAndWaitForASlowReader) {
  std::string dir = app_dir("http_component_stream_jco");
  JcoServer jco(kComponent, dir);
  ASSERT_TRUE(jco.ready()) << jco.log();
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  for (std::string path : {"/stream?n=5&ms=20", "/big?kb=64", "/big?kb=1024"}) {
    Response want = fetch(jco.url() + path), got = fetch(up.url() + path);
    EXPECT_EQ(got.status, "200") << path << "\n" << up.log();
    EXPECT_EQ(got.body.size(), want.body.size()) << path;
    EXPECT_TRUE(got.body == want.body) << path;
  }
  std::string line = "0123456789abcde\n";
  Result slow = curl({"--limit-rate", "4M", up.url() + "/big?kb=12288"});
  ASSERT_EQ(slow.status, 0) << slow.err;
  ASSERT_EQ(slow.out.size(), size_t{12} << 20);
  size_t bad = 0;
  for (size_t i = 0; i < slow.out.size(); i += line.size())
    bad += slow.out.compare(i, line.size(), line) != 0;
  EXPECT_EQ(bad, 0u);
}

// A guest that traps after its response head went out: the client gets what
// was written, then the connection closes (no second answer); the log says
// why and the next request is served.
TEST_F(HttpComponent, AGuestThatTrapsMidStreamCutsTheBodyAndTheServerGoesOn) {
  std::string dir = app_dir("http_component_stream_trap");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/stream?n=3&ms=100&trap=1"});
  EXPECT_NE(r.status, 0) << "curl saw a complete response: " << r.out;
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chunk 0\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("chunk 1"), std::string::npos) << r.out;
  EXPECT_EQ(fetch(up.url() + "/hello").body, "hello from C\n");
  EXPECT_NE(up.log().find("unreachable"), std::string::npos) << up.log();
}

// Outgoing requests: a request body written after handle is sent with the
// request; request-options: a first-byte-timeout ends a request whose
// answer does not start in time, a between-bytes-timeout one whose body stalls, each
// with connection-read-timeout (error-code case 9) instead of the peer's
// late answer; the log says which timeout it was.
TEST_F(HttpComponent, OutgoingRequestsTakeTheirBodyAndRequestOptionsTimeouts) {
  HttpPeer slow, stalling;  // each answers one request at a time
  std::string dir = app_dir("http_component_options");
  std::ofstream(dir + "/spin.toml", std::ios::app)
      << "allowed_outbound_hosts = [\"" << slow.origin() << "\", \"" << stalling.origin()
      << "\"]\n";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string at = up.url() + "/fetch?port=";
  // Generous timeouts let whole answers through.
  Response r = fetch(at + std::to_string(slow.port()) + "&path=/hello&first_byte_ms=2000");
  EXPECT_EQ(r.status, "200") << up.log();
  EXPECT_EQ(r.body, "status 200\nhello from peer");
  r = fetch(at + std::to_string(stalling.port()) + "&path=/hello&between_bytes_ms=2000");
  EXPECT_EQ(r.body, "status 200\nhello from peer") << up.log();
  // A body written and finished after handle is sent (POST to the echo).
  r = fetch(at + std::to_string(slow.port()) + "&path=/echo&body=written-after-handle");
  EXPECT_EQ(r.body, "status 200\nPOST\nwritten-after-handle") << up.log();
  r = fetch(at + std::to_string(slow.port()) + "&path=/slow&first_byte_ms=300");
  EXPECT_EQ(r.status, "502") << up.log();
  EXPECT_EQ(r.body, "error-code 9\n");
  EXPECT_NE(up.log().find("no response within its first-byte-timeout"), std::string::npos)
      << up.log();
  r = fetch(at + std::to_string(stalling.port()) + "&path=/stall&between_bytes_ms=300");
  EXPECT_EQ(r.status, "502") << up.log();
  EXPECT_EQ(r.body, "error-code 9\n");
  EXPECT_NE(up.log().find("no response byte within its between-bytes-timeout"), std::string::npos)
      << up.log();
}

// Bad input. A component file cut short or with an unknown section is
// refused at start, naming the file, the offset and what is wrong. A guest
// that sets its response with a handle it never had, uses a handle it
// dropped, passes a string pointer past its memory, or declares a WASI
// import with fewer parameters or another result than WASI's gets a 500
// that says why, and the next request is served.
TEST_F(HttpComponent, BadComponentsAreRefusedOrAnswer500AndTheServerGoesOn) {
  std::string dir = temp_dir("http_component_bad");
  std::string bytes = slurp(kComponent.string());
  ASSERT_GT(bytes.size(), 3000u);
  auto manifest = [&](const std::string& source) {
    std::ofstream(dir + "/spin.toml")
        << "spin_manifest_version = 2\n[application]\nname = \"bad\"\n"
           "[[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n"
           "[component.c]\nsource = \""
        << source << "\"\n";
  };
  struct Broken {
    std::string file, bytes, why;
  };
  for (const Broken& b : {Broken{"cut.wasm", bytes.substr(0, 3000), "exceeds the"},
                          Broken{"unknown.wasm",
                                 bytes + std::string("\x0f\x03"
                                                     "abc",
                                                     5),
                                 "unknown section id 15"}}) {
    std::ofstream(dir + "/" + b.file, std::ios::binary) << b.bytes;
    manifest(b.file);
    Result r =
        run_process({"timeout", "60", SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.status, 1) << b.file << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("component `c`: " + b.file + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("offset 0x"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(b.why), std::string::npos) << r.err;
  }

  // fields.append declared with only `self`; fields.entries with no result.
  for (std::string which : {"append", "entries"}) {
    std::string decl =
        which == "append"
            ? R"((export "[method]fields.append" (func (param "self" (borrow $f)))))"
            : R"((export "[method]fields.entries" (func (param "self" (borrow $f)))))";
    assemble(dir, which,
             R"((component
  (import "wasi:http/types@0.2.0" (instance $types
    (export "fields" (type $f (sub resource)))
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))
    (export "[constructor]fields" (func (result (own $f))))
    )" + decl + R"())
  (alias export $types "incoming-request" (type $req))
  (alias export $types "response-outparam" (type $out))
  (alias export $types "[constructor]fields" (func $new))
  (alias export $types "[method]fields.)" +
                 which + R"(" (func $call))
  (core func $new_low (canon lower (func $new)))
  (core func $call_low (canon lower (func $call)))
  (core module $m
    (import "h" "new" (func $n (result i32)))
    (import "h" "call" (func $c (param i32)))
    (func (export "handle") (param i32 i32) (call $c (call $n))))
  (core instance $i (instantiate $m
    (with "h" (instance (export "new" (func $new_low)) (export "call" (func $call_low))))))
  (type $handle-ty (func (param "request" (own $req)) (param "response-out" (own $out))))
  (func $handle (type $handle-ty) (canon lift (core func $i "handle")))
  (instance $h (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.0" (instance $h))))");
  }
  std::ofstream toml(dir + "/spin.toml");
  toml << "spin_manifest_version = 2\n[application]\nname = \"bad\"\n";
  for (std::string c : {"c", "append", "entries"})
    toml << "[[trigger.http]]\nroute = \"/" << (c == "c" ? "" : c + "/") << "...\"\ncomponent = \""
         << c << "\"\n[component." << c << "]\nsource = \""
         << (c == "c" ? kComponent.string() : dir + "/" + c + ".wasm") << "\"\n";
  toml.close();
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  struct Case {
    std::string path, log;
  };
  for (const Case& k : {Case{"/bad/handle", "own handle 12345 does not exist"},
                        Case{"/bad/dropped", "borrow handle 1 does not exist"},
                        Case{"/bad/string", "is outside memory"},
                        Case{"/append/",
                             "`wasi:http/types@0.2.0#[method]fields.append` was called with 1 "
                             "parameters: the component declares this import with a type other "
                             "than WASI's"},
                        Case{"/entries/", "expected 0 values, got 1"}}) {
    size_t before = up.log().size();
    Response r = fetch(up.url() + k.path);
    EXPECT_EQ(r.status, "500") << k.path << "\n" << up.log();
    EXPECT_NE(up.log().find(k.log, before), std::string::npos) << k.path << "\n" << up.log();
    EXPECT_EQ(fetch(up.url() + "/hello").body, "hello from C\n") << "after " << k.path;
  }
}

}  // namespace
}  // namespace spindle::test

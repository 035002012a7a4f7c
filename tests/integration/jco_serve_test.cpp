// `jco serve`, the oracle the component tests compare spindle with, on the
// JavaScript components tests/components/build-js.sh builds during the test
// run (the Spin JS SDK http-js template's hello app and an echo app): it
// starts on a loopback port with a fresh component instance per request
// (--isolate-requests instance) and answers over HTTP. jco and the SDK are
// pinned in tests/components/package-lock.json (scripts/setup installs them).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "jco.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;
const fs::path kOut = kJsOut;
using Response = HttpAnswer;

class JcoServe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::create_directories(kOut);
    fs::path log = kOut / "build-js.log";
    std::string cmd = (kComponents / "build-js.sh").string() + " " + kOut.string() +
                      " hello echo >" + log.string() + " 2>&1";
    int status = std::system(cmd.c_str());
    build_log_ = slurp(log.string());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
      skip_ = "the Spin JS SDK npm packages are not installed (run scripts/setup): " + build_log_;
    else if (run_process({"timeout", "5", "true"}).status != 0)
      skip_ = "coreutils' timeout is not available";
    build_ok_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(build_ok_) << "tests/components/build-js.sh failed:\n" << build_log_;
    ASSERT_TRUE(fs::exists(kJco)) << kJco;
  }

  static inline std::string skip_, build_log_;
  static inline bool build_ok_ = false;
};

TEST_F(JcoServe, ServesTheHelloTemplate) {
  JcoServer jco(kOut / "hello.wasm", temp_dir("jco_serve_hello"));
  ASSERT_TRUE(jco.ready()) << jco.log();

  Response r = get({jco.url() + "/"});
  EXPECT_EQ(r.status, "200") << jco.log();
  EXPECT_EQ(r.body, "Hello, Spin!");
  EXPECT_NE(r.headers.find("content-type: text/plain"), std::string::npos) << r.headers;

  r = get({jco.url() + "/hello/spindle"});
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.body, "\"Hello, spindle!\"");  // itty's AutoRouter answers a string as JSON

  r = get({jco.url() + "/no/such/route"});
  EXPECT_EQ(r.status, "404");
  EXPECT_EQ(r.body, "{\"status\":404,\"error\":\"Not Found\"}");

  // each request gets a fresh instance: the same answer again
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get({jco.url() + "/"}).body, "Hello, Spin!");
}

TEST_F(JcoServe, ServesTheEchoApp) {
  std::string dir = temp_dir("jco_serve_echo");
  JcoServer jco(kOut / "echo.wasm", dir);
  ASSERT_TRUE(jco.ready()) << jco.log();

  Response r = get({"-X", "PUT", "-H", "x-test: one", "-H", "content-type: text/plain",
                    "--data-binary", "a body", jco.url() + "/some/path?q=1&r=two"});
  EXPECT_EQ(r.status, "200") << jco.log();
  EXPECT_NE(r.headers.find("x-echo-method: put"), std::string::npos) << r.headers;
  EXPECT_NE(r.body.find("\"method\": \"PUT\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"path\": \"/some/path\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"query\": \"?q=1&r=two\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"x-test\",\n      \"one\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"body\": \"a body\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"bodyLength\": 6"), std::string::npos) << r.body;

  r = get({jco.url() + "/status/418"});
  EXPECT_EQ(r.status, "418");
  EXPECT_EQ(r.body, "status 418\n");
  EXPECT_NE(r.headers.find("x-echo-status: 418"), std::string::npos) << r.headers;

  // a ReadableStream body, sent in chunks
  r = get({jco.url() + "/stream?chunks=4"});
  EXPECT_EQ(r.status, "200");
  EXPECT_NE(r.headers.find("transfer-encoding: chunked"), std::string::npos) << r.headers;
  EXPECT_EQ(r.body, "chunk 0 of 4\nchunk 1 of 4\nchunk 2 of 4\nchunk 3 of 4\n");
  r = get({"--raw", jco.url() + "/stream?chunks=4"});  // the chunked framing, as sent
  size_t framed = 0;
  for (size_t at = 0; (at = r.body.find("\r\nchunk ", at)) != std::string::npos; ++at) ++framed;
  EXPECT_GE(framed, 2u) << r.body;

  // the request body streamed back
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  std::ofstream(dir + "/big.txt", std::ios::binary) << big;
  r = get({"--data-binary", "@" + dir + "/big.txt", jco.url() + "/pipe"});
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.body.size(), big.size());
  EXPECT_TRUE(r.body == big);
}

}  // namespace
}  // namespace spindle::test

// `spindle up` end to end: a real server on a free loopback port, real HTTP
// requests with curl.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

std::string make_app(const std::string& name, const std::string& manifest) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("up_wagi"), dir + "/up_wagi.wasm");
  fs::create_directories(dir + "/public");
  std::ofstream(dir + "/public/index.html") << "<h1>home</h1>\n";
  std::ofstream(dir + "/spin.toml") << manifest;
  return dir;
}

const char* kManifest = R"(spin_manifest_version = "1"
name = "up-test"
version = "1.2.3"
trigger = { type = "http", base = "/" }

[[component]]
id = "cgi"
source = "up_wagi.wasm"
files = [{ source = "public/", destination = "/" }]
environment = { GREETING = "hi" }
[component.trigger]
route = "/cgi/..."
executor = { type = "wagi" }
)";

TEST(Up, ServesAWagiComponentWithItsFilesAndEnvironment) {
  std::string dir = make_app("up-wagi", kManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_NE(up.log().find("cgi: " + up.url() + "/cgi (wildcard)"), std::string::npos) << up.log();
  Result r = curl({"-d", "payload", up.url() + "/cgi/a/b?x=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("REQUEST_METHOD=POST\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PATH_INFO=/a/b\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("X_MATCHED_ROUTE=/cgi/...\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("QUERY_STRING=x=1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GREETING=hi\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stdin=payload\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file=<h1>home</h1>"), std::string::npos) << r.out;
  // Component stderr goes to its log file; each request gets a log line.
  std::string err_log = slurp(dir + "/.spin/logs/cgi_stderr.txt");
  EXPECT_NE(err_log.find("served /a/b"), std::string::npos) << err_log;
  EXPECT_NE(up.log().find(" POST /cgi/a/b cgi 200 "), std::string::npos) << up.log();
}

const char* kTwoComponents = R"(spin_manifest_version = "1"
name = "two"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "echo"
source = "spin_echo.wasm"
[component.trigger]
route = "/..."

[[component]]
id = "cgi"
source = "up_wagi.wasm"
[component.trigger]
route = "/cgi/..."
executor = { type = "wagi" }
)";

TEST(Up, ServesASpinAbiAndAWagiComponentFromOneManifest) {
  std::string dir = make_app("up-two", kTwoComponents);
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // The Spin component echoes the request headers, spin-* included.
  Result r = curl({"-i", "-H", "X-Test: 1", "-d", "body!", up.url() + "/some/where?q=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string port = up.url().substr(up.url().rfind(':') + 1);
  for (const std::string& want : std::vector<std::string>{
           "HTTP/1.1 200", "x-uri: /some/where?q=1", "x-method: post", "x-test: 1",
           "spin-path-info: /some/where", "spin-matched-route: /...", "spin-base-path: /",
           "spin-raw-component-route: /...", "spin-component-route: /",
           "spin-full-url: http://127.0.0.1:" + port + "/some/where?q=1",
           "spin-client-addr: 127.0.0.1:"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("\r\n\r\nbody!"), std::string::npos) << r.out;
  // The longer wildcard goes to the WAGI component.
  r = curl({up.url() + "/cgi/x"});
  EXPECT_NE(r.out.find("PATH_INFO=/x\n"), std::string::npos) << r.out;
  EXPECT_EQ(http_code({up.url() + "/trap"}), "500");
  EXPECT_EQ(http_code({"-X", "TRACE", up.url() + "/x"}), "405");
  EXPECT_EQ(http_code({up.url() + "/status/99"}), "500");
  EXPECT_EQ(http_code({up.url() + "/status/204"}), "204");
}

TEST(Up, RemoteSourcesAreDownloadedCheckedAndCached) {
  std::string site = temp_dir("up-remote-site");
  fs::copy_file(guest("up_wagi"), site + "/c.wasm");
  Background http(
      {"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", site},
      site + "/../http.log");
  std::string port = http.wait_for("Serving HTTP on 127.0.0.1 port ");
  port = port.substr(0, port.find(' '));
  ASSERT_FALSE(port.empty()) << http.log();
  Result sum = run_process({"sha256sum", site + "/c.wasm"});
  std::string digest = sum.out.substr(0, 64);
  std::string url = "http://127.0.0.1:" + port + "/c.wasm";
  auto manifest = [&](const std::string& d) {
    return std::string(R"(spin_manifest_version = "1"
name = "remote"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "cgi"
source = { url = ")") +
           url + R"(", digest = "sha256:)" + d + R"(" }
[component.trigger]
route = "/..."
executor = { type = "wagi" }
)";
  };
  std::string cache = temp_dir("up-remote-cache");
  std::string dir = temp_dir("up-remote");
  std::ofstream(dir + "/spin.toml") << manifest(digest);
  {
    Background up({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
                  {"XDG_CACHE_HOME=" + cache});
    std::string rest = up.wait_for("Serving http://");
    ASSERT_FALSE(rest.empty()) << up.log();
    Result r = curl({"http://" + rest + "/x"});
    EXPECT_NE(r.out.find("PATH_INFO=/x"), std::string::npos) << r.out;
  }
  EXPECT_TRUE(fs::exists(cache + "/spindle/sources/" + digest + ".wasm"));
  // A digest that does not match is refused, naming both digests.
  std::string wrong(64, '0');
  std::string bad = temp_dir("up-remote-bad");
  std::ofstream(bad + "/spin.toml") << manifest(wrong);
  Result r =
      run_spindle({"up", "--from", bad, "--listen", "127.0.0.1:0"}, {"XDG_CACHE_HOME=" + cache});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("sha256:" + digest), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
}

TEST(Up, KeepAliveLargeAndChunkedBodiesThroughTheServer) {
  std::string dir = make_app("up-bodies", kTwoComponents);
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  Up up(dir, {"-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  // 1,000 requests with one curl: they share one connection.
  std::string config = dir + "/urls.txt";
  {
    std::ofstream f(config);
    for (int i = 0; i < 1000; ++i) f << "url = \"" << up.url() << "/n/" << i << "\"\n";
  }
  Result r = curl({"-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", "-K", config});
  ASSERT_EQ(r.status, 0) << r.err;
  int ok = 0, connects = 0;
  std::istringstream lines(r.out);
  std::string code;
  int n;
  while (lines >> code >> n) {
    ok += code == "200";
    connects += n;
  }
  EXPECT_EQ(ok, 1000);
  EXPECT_EQ(connects, 1);  // every request after the first reused the connection
  // A 1 MiB body, sent plain and chunked, comes back whole from the guest.
  std::string body_file = dir + "/body.bin";
  {
    std::ofstream f(body_file, std::ios::binary);
    for (int i = 0; i < (1 << 20); ++i) f.put(static_cast<char>('a' + i % 26));
  }
  for (bool chunked : {false, true}) {
    std::vector<std::string> args = {"-o",           dir + "/echo.bin", "-w",
                                     "%{http_code}", "--data-binary",   "@" + body_file};
    if (chunked) args.insert(args.end(), {"-H", "Transfer-Encoding: chunked"});
    args.push_back(up.url() + "/echo");
    r = curl(args);
    EXPECT_EQ(r.out, "200") << r.err;
    EXPECT_EQ(fs::file_size(dir + "/echo.bin"), size_t{1} << 20) << "chunked=" << chunked;
    EXPECT_EQ(slurp(dir + "/echo.bin"), slurp(body_file));
  }
  // An empty body.
  r = curl({"-X", "POST", "-w", "%{http_code}", up.url() + "/echo"});
  EXPECT_EQ(r.out, "200");
}

TEST(Up, ManifestV2WithNamedSegmentsAndABase) {
  std::string dir = make_app("up-v2", R"(spin_manifest_version = 2

[application]
name = "v2app"
[application.trigger.http]
base = "/api"

[[trigger.http]]
route = "/users/:id"
component = "echo"

[component.echo]
source = "spin_echo.wasm"
)");
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/api/users/42"});
  for (const std::string& want : std::vector<std::string>{
           "HTTP/1.1 200", "spin-path-match-id: 42", "spin-matched-route: /api/users/:id",
           "spin-base-path: /api", "spin-raw-component-route: /users/:id"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  EXPECT_EQ(http_code({up.url() + "/users/42"}), "404");
}

TEST(Up, AComponentWrittenWithTheCppSdk) {
  std::string dir = make_app("up-sdk", R"(spin_manifest_version = "1"
name = "sdk"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "hello"
source = "sdk_hello.wasm"
[component.trigger]
route = "/..."
)");
  fs::copy_file(guest("sdk_hello"), dir + "/sdk_hello.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/"});
  EXPECT_EQ(r.out, "hello\n");
  r = curl({up.url() + "/items/4%202?q=a+b%22"});
  EXPECT_EQ(r.out, "{\"id\":\"4 2\",\"q\":\"a b\\\"\"}");
  r = curl(
      {"-i", "-H", "Content-Type: text/x-test", "--data-binary", "payload", up.url() + "/echo"});
  EXPECT_NE(r.out.find("HTTP/1.1 201"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x-content-type: text/x-test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x-path-info: /echo"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\n\r\npayload"), std::string::npos) << r.out;
  r = curl({"-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", up.url() + "/moved"});
  EXPECT_EQ(r.out, "302 " + up.url() + "/items/1");
  EXPECT_EQ(http_code({up.url() + "/abort"}), "500");
  EXPECT_EQ(http_code({"-X", "PUT", up.url() + "/"}), "405");
  EXPECT_EQ(http_code({up.url() + "/nope"}), "404");
}

TEST(Up, HealthInfoAndNotFound) {
  std::string dir = make_app("up-health", kManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/.well-known/spin/health"});
  EXPECT_EQ(r.out, "OK");
  r = curl({up.url() + "/.well-known/spin/info"});
  EXPECT_NE(r.out.find("\"name\":\"up-test\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"version\":\"1.2.3\""), std::string::npos) << r.out;
  EXPECT_EQ(http_code({up.url() + "/elsewhere"}), "404");
}

TEST(Up, ATrappingGuestGets500AndTheNextRequestIsServed) {
  std::string dir = make_app("up-trap", kManifest);
  Up up(dir, {"--timeout", "500ms"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(http_code({up.url() + "/cgi/x?trap"}), "500");
  EXPECT_EQ(http_code({up.url() + "/cgi/x?loop"}), "504");
  Result r = curl({up.url() + "/cgi/fine"});
  EXPECT_NE(r.out.find("PATH_INFO=/fine\n"), std::string::npos) << r.out;
  EXPECT_NE(up.log().find("component `cgi` failed"), std::string::npos) << up.log();
}

TEST(Up, ManifestErrorsStopStartupWithTheirLocation) {
  std::string dir = make_app("up-bad", std::string(kManifest) + "\nunknown_field = 1\n");
  Result r = run_spindle({"up", "--from", dir, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("spin.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown_field"), std::string::npos) << r.err;
}

}  // namespace

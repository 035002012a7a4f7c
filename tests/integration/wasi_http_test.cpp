// wasi:http components under `spindle up` (issue 12, Deliver 5 and 6): the
// Spin JS SDK hello template and an echo app, built with npm during the
// test run, served on the interpreter and on native code, each answer
// compared with `jco serve` on the same component; and the ways a component
// can fail (no incoming-handler export, a trap, no response, a timeout).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "jco.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An app folder serving `wasm` (copied in as app.wasm) at "/...".
std::string app_dir(const std::string& name, const fs::path& wasm) {
  std::string dir = temp_dir(name);
  fs::copy_file(wasm, dir + "/app.wasm", fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = ")" << name << R"("
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "app.wasm"
)";
  return dir;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
}

// The value of header `name` in a lowercased header block ("" when absent).
std::string header(const std::string& block, const std::string& name) {
  size_t at = block.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return block.substr(at, block.find("\r\n", at) - at);
}

struct Answer {
  std::string status;
  std::map<std::string, std::string> headers;  // content-type and x-echo-*
  std::string body;                            // normalised
  json spin_headers = json::object();          // the echo's spin-* request headers
};

// One answer from `base`, with the server's own origin replaced by HOST and,
// in an echo of the request headers, the spin-* headers taken out (only
// spindle adds them, as Spin does).
Answer ask(const std::string& base, const std::string& path, std::vector<std::string> args) {
  args.push_back(base + path);
  HttpAnswer r = get(args);
  Answer a;
  a.status = r.status;
  for (std::string name : {"content-type", "x-echo-method", "x-echo-status", "x-echo-chunks"}) {
    std::string v = header(r.headers, name);
    if (!v.empty()) a.headers[name] = v;
  }
  a.body = r.body;
  replace_all(a.body, base.substr(std::string("http://").size()), "HOST");
  json j = json::parse(a.body, nullptr, false);
  if (j.is_object() && j.contains("headers")) {
    json kept = json::array();
    for (const json& h : j["headers"]) {
      std::string name = h[0];
      if (name.starts_with("spin-"))
        a.spin_headers[name] = h[1];
      else
        kept.push_back(h);
    }
    j["headers"] = kept;
    a.body = j.dump(2);
  }
  return a;
}

struct Case {
  std::string path;
  std::vector<std::string> args;
};

// Asks both servers every case; status, headers and body must agree.
void compare(const std::string& jco, const std::string& spindle, const std::vector<Case>& cases,
             const std::string& spindle_log) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    Answer want = ask(jco, c.path, c.args);
    Answer got = ask(spindle, c.path, c.args);
    ASSERT_FALSE(want.status.empty()) << "jco serve did not answer";
    EXPECT_EQ(got.status, want.status) << spindle_log;
    EXPECT_EQ(got.headers, want.headers);
    EXPECT_EQ(got.body, want.body);
  }
}

const std::vector<Case>& hello_cases() {
  static const std::vector<Case> cases = {
      {"/", {}}, {"/hello/spindle", {}}, {"/no/such/route", {}}};
  return cases;
}

std::vector<Case> echo_cases(const std::string& dir) {
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  std::ofstream(dir + "/big.txt", std::ios::binary) << big;
  return {
      {"/", {}},
      {"/some/path?q=1&r=two",
       {"-X", "POST", "-H", "x-test: one", "-H", "content-type: text/plain", "--data-binary",
        "a body"}},
      {"/put/here", {"-X", "PUT", "-H", "x-multi: a", "-H", "x-multi: b", "--data-binary", "b"}},
      {"/status/418", {}},
      {"/status/503", {}},
      {"/status/99", {}},
      {"/stream?chunks=4", {}},
      {"/stream?chunks=1", {}},
      {"/pipe", {"--data-binary", "@" + dir + "/big.txt"}},
  };
}

class WasiHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { build_error_ = build_js("hello echo", skip_); }
  void SetUp() override {
    if (skip_) GTEST_SKIP() << build_error_;
    ASSERT_EQ(build_error_, "");
    ASSERT_TRUE(fs::exists(kJco)) << kJco;
  }
  static inline std::string build_error_;
  static inline bool skip_ = false;
};

// Serves `app` with `spindle up <extra>` and compares it with jco serve.
// `native`: wait until the answers come from native code first.
void serve_and_compare(const std::string& app, const std::vector<std::string>& extra, bool native) {
  std::string dir =
      app_dir("wasi_http_" + app + (native ? "_native" : "_interp"), kJsOut / (app + ".wasm"));
  Up up(dir, extra);
  ASSERT_FALSE(up.url().empty()) << up.log();
  if (native && up.log().find("from the interpreter") != std::string::npos) {
    // Cold cache: StarlingMonkey compiles in the background (minutes); the
    // interpreter answers meanwhile.
    EXPECT_EQ(get({up.url() + "/"}).status, "200") << up.log();
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(25);
    while (up.log().find("Switched to native code") == std::string::npos &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::seconds(2));
    ASSERT_NE(up.log().find("Switched to native code"), std::string::npos) << up.log();
  }
  // Started now: jco serve is bounded to 180 s, and a cold native compile
  // takes longer.
  JcoServer jco(kJsOut / (app + ".wasm"), dir);
  ASSERT_TRUE(jco.ready()) << jco.log();
  std::vector<Case> cases = app == "hello" ? hello_cases() : echo_cases(dir);
  compare(jco.url(), up.url(), cases, up.log());
  // Every request gives its instance back: under a 64 MiB instance-memory
  // budget (a StarlingMonkey instance holds ~9 MiB) many requests in a row
  // still succeed.
  for (int i = 0; i < 40; ++i) ASSERT_EQ(http_code({up.url() + "/"}), "200") << i << up.log();
  if (app == "echo") {
    // Spin's request headers, as the guest saw them.
    Answer a = ask(up.url(), "/a/b?c=d", {});
    EXPECT_EQ(a.spin_headers["spin-full-url"], "http://HOST/a/b?c=d") << a.body;
    EXPECT_EQ(a.spin_headers["spin-path-info"], "/a/b");
    EXPECT_EQ(a.spin_headers["spin-matched-route"], "/...");
    EXPECT_EQ(a.spin_headers["spin-raw-component-route"], "/...");
    EXPECT_EQ(a.spin_headers["spin-base-path"], "/");
    EXPECT_TRUE(a.spin_headers.contains("spin-component-route"));
    EXPECT_TRUE(
        std::string(a.spin_headers.value("spin-client-addr", "")).starts_with("127.0.0.1:"));
  }
}

TEST_F(WasiHttp, HelloTemplateOnTheInterpreterAnswersAsJcoServe) {
  serve_and_compare("hello", {"--backend", "interp"}, false);
}

TEST_F(WasiHttp, EchoAppOnTheInterpreterAnswersAsJcoServe) {
  serve_and_compare("echo", {"--backend", "interp"}, false);
}

// Native code (the shared test compile cache: the first run compiles
// StarlingMonkey once for both apps, several minutes).
TEST_F(WasiHttp, NativeHelloTemplateAndEchoAppAnswerAsJcoServe) {
  serve_and_compare("hello", {"--memory-budget", "64MiB"}, true);
  serve_and_compare("echo", {"--memory-budget", "64MiB"}, true);
}

// wasi:http/outgoing-handler through the outbound HTTP capability: an
// allowed host answers, a host not in allowed_outbound_hosts is refused
// before any connection (HTTP-request-denied: fetch rejects), and a
// connection error comes back to the guest as an error too.
TEST_F(WasiHttp, OutgoingHandlerFollowsTheAllowList) {
  std::string dir = app_dir("wasi_http_outgoing", kJsOut / "echo.wasm");
  JcoServer target(kJsOut / "echo.wasm", dir);
  ASSERT_TRUE(target.ready()) << target.log();
  std::string dead = "http://127.0.0.1:" + std::to_string(free_port());
  std::ofstream(dir + "/spin.toml", std::ios::app)
      << "allowed_outbound_hosts = [\"" << target.url() << "\", \"" << dead << "\"]\n";
  Up up(dir, {"--backend", "interp"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  HttpAnswer r = get({up.url() + "/fetch?url=" + target.url() + "/status/418"});
  EXPECT_EQ(r.status, "200") << up.log();
  EXPECT_EQ(r.body, "fetched 418: status 418\n");
  r = get({up.url() + "/fetch?url=http://127.0.0.2:9/x"});
  EXPECT_EQ(r.status, "502") << r.body;
  EXPECT_NE(up.log().find("outbound request to http://127.0.0.2:9 denied"), std::string::npos)
      << up.log();
  r = get({up.url() + "/fetch?url=" + dead + "/x"});
  EXPECT_EQ(r.status, "502") << r.body;
  EXPECT_NE(r.body.find("fetch failed"), std::string::npos) << r.body;
  // and it goes on serving
  EXPECT_EQ(get({up.url() + "/fetch?url=" + target.url() + "/status/201"}).body,
            "fetched 201: status 201\n");
}

// A wasi:http handler whose core function is `body` (params: two handles).
std::string handler(const std::string& body) {
  return R"((component
  (import "wasi:http/types@0.2.0" (instance $types
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))))
  (alias export $types "incoming-request" (type $req))
  (alias export $types "response-outparam" (type $out))
  (core module $m (func (export "handle") (param i32 i32) )" +
         body + R"())
  (core instance $i (instantiate $m))
  (type $handle-ty (func (param "request" (own $req)) (param "response-out" (own $out))))
  (func $handle (type $handle-ty) (canon lift (core func $i "handle")))
  (instance $h (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.0" (instance $h)))
)";
}

TEST_F(WasiHttp, ComponentWithoutIncomingHandlerIsRefusedNamingTheExport) {
  std::string dir = temp_dir("wasi_http_noexport");
  assemble(dir, "app", R"((component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (export "hello" (func $f))))");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "noexport"
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "app.wasm"
)";
  Result r = run_process({"timeout", "60", SPINDLE_BIN, "up", "--backend", "interp", "--from", dir,
                          "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("component `app`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not export `wasi:http/incoming-handler@0.2.x`"), std::string::npos)
      << r.err;
}

TEST_F(WasiHttp, TrapIs500NoResponseIs500TimeoutIs504AndTheServerGoesOn) {
  std::string dir = temp_dir("wasi_http_failures");
  assemble(dir, "trap", handler("unreachable"));
  assemble(dir, "noset", handler(""));
  assemble(dir, "loop", handler("(loop (br 0))"));
  fs::copy_file(kJsOut / "echo.wasm", dir + "/echo.wasm", fs::copy_options::overwrite_existing);
  std::ofstream toml(dir + "/spin.toml");
  toml << "spin_manifest_version = 2\n[application]\nname = \"failures\"\n";
  for (std::string c : {"trap", "noset", "loop", "echo"})
    toml << "[[trigger.http]]\nroute = \"/" << c << "/...\"\ncomponent = \"" << c
         << "\"\n[component." << c << "]\nsource = \"" << c << ".wasm\"\n";
  toml.close();
  Up up(dir, {"--backend", "interp", "--timeout", "2s"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(http_code({up.url() + "/trap"}), "500");
    EXPECT_EQ(get({up.url() + "/echo/x"}).status, "200") << up.log();
  }
  EXPECT_EQ(http_code({up.url() + "/noset"}), "500");
  EXPECT_EQ(http_code({up.url() + "/loop"}), "504");
  EXPECT_EQ(get({up.url() + "/echo/x"}).status, "200");
  std::string log = up.log();
  EXPECT_NE(log.find("component `trap`: guest trapped in wasi:http/incoming-handler.handle"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("component `noset`: the guest returned without setting the response"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("component `loop`"), std::string::npos) << log;
}

}  // namespace
}  // namespace spindle::test

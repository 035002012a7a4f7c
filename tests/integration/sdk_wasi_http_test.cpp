// The C/C++ SDK's two outputs (docs/SDK.md, "Spin 1 module or wasi:http
// component"): the same handler source built as a Spin 1 module and, with
// -DSPINDLE_WASI_HTTP and sdk/cpp/tools/componentize.mjs, as a wasi:http
// component (tests/guests/sdk_wasi_http, built during the build), served by
// `spindle up` on loopback, answer the same; `jco serve` runs the component
// too; the CMake helper spindle_component() and the documented one-line
// commands build both.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "jco.h"
#include "serve.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;

const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();
const fs::path kSdk = kRepo / "sdk/cpp";
// What componentize.mjs needs (scripts/setup: npm ci in sdk/cpp).
const fs::path kSdkModules = kSdk / "node_modules/@bytecodealliance/jco-transpile";

// The first 8 bytes of a WebAssembly binary: a core module (version 1) or a
// component (version 0x0d, layer 1).
std::string wasm_kind(const std::string& path) {
  std::string head = slurp(path).substr(0, 8);
  if (head == std::string("\0asm\x01\0\0\0", 8)) return "module";
  if (head == std::string("\0asm\x0d\0\x01\0", 8)) return "component";
  return "other";
}

struct Answer {
  std::string status;                          // "" when curl failed
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
};

// Headers that belong to the connection or the framing, not to the handler:
// a streamed component body is chunked where a Spin 1 body has a length.
bool transport_header(const std::string& name) {
  return name == "date" || name == "content-length" || name == "transfer-encoding" ||
         name == "connection" || name == "keep-alive";
}

// curl -i (no Expect: 100-continue) of `base` + `path`; the answer's body with
// `base` replaced by "BASE" (spin-full-url carries the server's port).
Answer ask(const std::string& base, const std::string& path, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"-i", "-H", "Expect:"});
  args.push_back(base + path);
  Result r = curl(args);
  Answer out;
  size_t end = r.out.find("\r\n\r\n");
  if (r.status != 0 || end == std::string::npos) return out;
  std::string head = r.out.substr(0, end);
  out.body = r.out.substr(end + 4);
  for (size_t at; (at = out.body.find(base)) != std::string::npos;)
    out.body.replace(at, base.size(), "BASE");
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
    if (!transport_header(name)) out.headers[name] += value;
  }
  return out;
}

std::string describe(const Answer& a) {
  std::string s = a.status + "\n";
  for (const auto& [k, v] : a.headers) s += k + ": " + v + "\n";
  return s + "\n" + (a.body.size() > 400 ? a.body.substr(0, 400) + "..." : a.body);
}

// An app serving `cpp` at /api/... and at the exact route /users/:id, and
// `c` at /c/...
std::string app_dir(const std::string& name, const std::string& cpp, const std::string& c) {
  std::string dir = temp_dir(name);
  fs::copy_file(cpp, dir + "/cpp.wasm");
  fs::copy_file(c, dir + "/c.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2

[application]
name = "both"

[[trigger.http]]
route = "/api/..."
component = "cpp"
[[trigger.http]]
route = "/users/:id"
component = "user"
[[trigger.http]]
route = "/c/..."
component = "c"

[component.cpp]
source = "cpp.wasm"
[component.user]
source = "cpp.wasm"
[component.c]
source = "c.wasm"
)";
  return dir;
}

struct Case {
  std::string path;
  std::vector<std::string> args;
};

// `size` bytes, every value 0..255, from a simple generator.
std::string bytes(size_t size) {
  std::string b(size, '\0');
  uint32_t x = 7;
  for (auto& c : b) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return b;
}

class SdkWasiHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"sdk_both_spin1", "sdk_both_c_spin1", "sdk_both_core"})
      ASSERT_TRUE(fs::exists(guest(name))) << guest(name) << ": rebuild (cmake --build build)";
    if (!fs::exists(guest("sdk_both_wasi")) || !fs::exists(guest("sdk_both_c_wasi"))) {
      if (!fs::exists(kSdkModules))
        GTEST_SKIP() << "the SDK's npm packages are not installed in " << kSdk
                     << "/node_modules (run scripts/setup), so the wasi:http components were "
                        "not built";
      FAIL() << guest("sdk_both_wasi") << " is missing though the npm packages are installed: "
             << "rebuild (cmake --build build)";
    }
  }
};

TEST_F(SdkWasiHttp, TheSameSourceBuildsASpin1ModuleAndAWasiHttpComponent) {
  EXPECT_EQ(wasm_kind(guest("sdk_both_spin1")), "module");
  EXPECT_EQ(wasm_kind(guest("sdk_both_c_spin1")), "module");
  EXPECT_EQ(wasm_kind(guest("sdk_both_wasi")), "component");
  EXPECT_EQ(wasm_kind(guest("sdk_both_c_wasi")), "component");
  // The core module has the wasi:http export and cabi_realloc, not the Spin 1 ones.
  Result r = run_process({"wasm-objdump", "-x", "-j", "Export", guest("sdk_both_core")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"wasi:http/incoming-handler@0.2.12#handle\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"cabi_realloc\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("handle-http-request"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("canonical_abi_realloc"), std::string::npos) << r.out;
  r = run_process({"wasm-objdump", "-x", "-j", "Import", guest("sdk_both_core")});
  EXPECT_NE(r.out.find("wasi:http/types@0.2.12"), std::string::npos) << r.out;
}

// Every answer of the C++ handler (status, headers, body) is the same from
// the Spin 1 module and from the component, and so is every answer of the
// C header's handler.
TEST_F(SdkWasiHttp, SpinUpAnswersTheSameForBothOutputs) {
  std::string d1 =
      app_dir("sdk-wasi-same-spin1", guest("sdk_both_spin1"), guest("sdk_both_c_spin1"));
  std::string d2 = app_dir("sdk-wasi-same-wasi", guest("sdk_both_wasi"), guest("sdk_both_c_wasi"));
  Up spin1(d1, {"-q"});
  Up wasi(d2, {"-q"});
  ASSERT_FALSE(spin1.url().empty()) << spin1.log();
  ASSERT_FALSE(wasi.url().empty()) << wasi.log();
  const std::vector<Case> cases = {
      {"/api/hello", {}},
      {"/api/echo?a=1%202&b=x&a=3",
       {"-H", "content-type: text/x-test", "--data-binary", "a posted body"}},
      {"/api/echo", {"-X", "PUT", "--data-binary", "put"}},
      {"/api/echo", {"-X", "PATCH", "--data-binary", ""}},
      {"/api/echo", {"-X", "DELETE"}},
      {"/api/echo", {"-X", "OPTIONS"}},
      {"/api/echo?q", {}},
      {"/api/route", {}},
      {"/api/route?x=1", {"-H", "X-Custom: ignored"}},
      {"/users/42", {}},
      {"/api/headers", {"-H", "X-CUSTOM: Some Value"}},
      {"/api/headers", {}},
      {"/api/status/201", {}},
      {"/api/status/418", {}},
      {"/api/status/503", {}},
      {"/api/json", {}},
      {"/api/redirect", {}},
      {"/api/nowhere", {}},
      {"/api/hello", {"--data-binary", "x"}},  // 405 from the router, with allow
      {"/api/hello", {"-I"}},                  // HEAD uses the GET route
      {"/api/abort", {}},                      // a trap: 500
      {"/api/echo", {"-X", "TRACE"}},          // no such Method: 405
      {"/c/x/y?q=1&r", {"-H", "X-Custom: from C", "--data-binary", "C body"}},
      {"/c/", {"-X", "PUT"}},
      {"/c/status/404", {}},
      {"/c/status/599", {}},
  };
  for (const Case& c : cases) {
    Answer a = ask(spin1.url(), c.path, c.args);
    Answer b = ask(wasi.url(), c.path, c.args);
    std::string label = c.path + (c.args.empty() ? "" : " " + c.args[0]);
    ASSERT_FALSE(a.status.empty()) << label << spin1.log();
    EXPECT_EQ(a.status, b.status) << label << "\n" << wasi.log();
    if (c.args.size() > 1 && c.args[1] == "TRACE") continue;  // texts differ
    if (c.path == "/api/abort") continue;                     // the host's text
    EXPECT_EQ(a.headers, b.headers) << label << "\nspin1:\n"
                                    << describe(a) << "\nwasi:http:\n"
                                    << describe(b);
    EXPECT_EQ(a.body, b.body) << label;
  }
  // What the route fields are (the same for both, checked above).
  Answer route = ask(wasi.url(), "/api/route");
  EXPECT_EQ(route.body,
            R"({"path_info":"/route","matched_route":"/api/...","full_url":"BASE/api/route",)"
            R"("base_path":"/","component_route":"/api","raw_component_route":"/api/...",)"
            R"("id":null,"has_client_addr":true,"route_path":"/route"})");
  Answer user = ask(wasi.url(), "/users/42");
  EXPECT_EQ(user.body,
            R"({"path_info":"","matched_route":"/users/:id","full_url":"BASE/users/42",)"
            R"("base_path":"/","component_route":"/users/:id","raw_component_route":"/users/:id",)"
            R"("id":"42","has_client_addr":true,"route_path":"/"})");
  Answer hello = ask(wasi.url(), "/api/hello");
  EXPECT_EQ(hello.headers["x-init"], "constructed");  // static constructors ran
  Answer echo = ask(wasi.url(), "/api/echo?a=1%202", {"--data-binary", "abc"});
  EXPECT_EQ(echo.headers["x-a"], "1 2");
  EXPECT_EQ(echo.headers["x-method"], "POST");
  EXPECT_EQ(echo.body, "abc");
  EXPECT_EQ(ask(wasi.url(), "/c/a", {"-H", "X-Custom: c"}).headers["x-path-info"], "/a");
  // The server keeps serving after the trap.
  EXPECT_EQ(ask(wasi.url(), "/api/hello").status, "200");
}

// Bodies of more than 1 MiB both ways, byte for byte, from both outputs.
TEST_F(SdkWasiHttp, LargeBodiesRoundTripInBothOutputs) {
  std::string d1 =
      app_dir("sdk-wasi-large-spin1", guest("sdk_both_spin1"), guest("sdk_both_c_spin1"));
  std::string d2 = app_dir("sdk-wasi-large-wasi", guest("sdk_both_wasi"), guest("sdk_both_c_wasi"));
  Up spin1(d1, {"-q"});
  Up wasi(d2, {"-q"});
  ASSERT_FALSE(spin1.url().empty()) << spin1.log();
  ASSERT_FALSE(wasi.url().empty()) << wasi.log();
  const std::string body = bytes((size_t{3} << 20) / 2 + 17);  // 1.5 MiB + 17
  std::string in = d2 + "/in.bin";
  std::ofstream(in, std::ios::binary) << body;
  for (const Up* up : {&spin1, &wasi}) {
    for (const char* path : {"/api/echo", "/c/echo"}) {
      std::string out = d2 + "/out.bin";
      fs::remove(out);
      Result r = curl({"-H", "Expect:", "-o", out, "-w", "%{http_code}", "--data-binary", "@" + in,
                       up->url() + path});
      EXPECT_EQ(r.out, "200") << path << r.err << up->log();
      std::string got = slurp(out);
      EXPECT_EQ(got.size(), body.size()) << path;
      EXPECT_TRUE(got == body) << path << ": the echoed body differs";
    }
    Answer big = ask(up->url(), "/api/big?kb=2048");
    EXPECT_EQ(big.status, "200");
    ASSERT_EQ(big.body.size(), size_t{2048} * 1024);
    std::string line = "0123456789abcde\n";
    size_t wrong = 0;
    for (size_t i = 0; i < big.body.size(); ++i) wrong += big.body[i] != line[i % 16];
    EXPECT_EQ(wrong, 0u);
  }
}

// `jco serve` runs the component too (without Spin's headers: the router
// routes the request path).
TEST_F(SdkWasiHttp, JcoServesTheComponent) {
  if (!fs::exists(kJco)) GTEST_SKIP() << "jco is not installed in tests/components";
  if (run_process({"timeout", "5", "true"}).status != 0)
    GTEST_SKIP() << "coreutils' timeout is not available";
  std::string dir = temp_dir("sdk-wasi-jco");
  JcoServer jco(guest("sdk_both_wasi"), dir);
  ASSERT_TRUE(jco.ready()) << jco.log();
  Answer a = ask(jco.url(), "/hello");
  EXPECT_EQ(a.status, "200") << jco.log();
  EXPECT_EQ(a.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(a.headers["x-init"], "constructed");
  EXPECT_EQ(a.body, "hello\n");
  a = ask(jco.url(), "/echo?a=1%202", {"-H", "content-type: text/x-test", "--data-binary", "abc"});
  EXPECT_EQ(a.status, "200");
  EXPECT_EQ(a.headers["x-method"], "POST");
  EXPECT_EQ(a.headers["x-uri"], "/echo?a=1%202");
  EXPECT_EQ(a.headers["x-a"], "1 2");
  EXPECT_EQ(a.headers["x-content-type"], "text/x-test");
  EXPECT_EQ(a.body, "abc");
  a = ask(jco.url(), "/route");
  EXPECT_EQ(a.body, R"({"path_info":"","matched_route":"","full_url":"","base_path":"",)"
                    R"("component_route":"","raw_component_route":"","id":null,)"
                    R"("has_client_addr":false,"route_path":"/route"})");
  EXPECT_EQ(ask(jco.url(), "/status/418").status, "418");
  EXPECT_EQ(ask(jco.url(), "/nowhere").status, "404");
  // A body over 1 MiB both ways.
  const std::string body = bytes((size_t{1} << 20) + 5);
  std::ofstream(dir + "/in.bin", std::ios::binary) << body;
  Result r = curl({"-H", "Expect:", "-o", dir + "/out.bin", "--data-binary", "@" + dir + "/in.bin",
                   jco.url() + "/echo"});
  ASSERT_EQ(r.status, 0) << r.err << jco.log();
  EXPECT_TRUE(slurp(dir + "/out.bin") == body) << "the echoed body differs";
  EXPECT_EQ(ask(jco.url(), "/big?kb=1100").body.size(), size_t{1100} * 1024);
  // The C header's component.
  JcoServer jco_c(guest("sdk_both_c_wasi"), temp_dir("sdk-wasi-jco-c"));
  ASSERT_TRUE(jco_c.ready()) << jco_c.log();
  a = ask(jco_c.url(), "/x?y=1", {"-H", "X-Custom: c", "--data-binary", "c body"});
  EXPECT_EQ(a.status, "200") << jco_c.log();
  EXPECT_EQ(a.headers["x-method"], "POST");
  EXPECT_EQ(a.headers["x-path"], "/x");
  EXPECT_EQ(a.headers["x-query"], "y=1");
  EXPECT_EQ(a.headers["x-custom"], "c");
  EXPECT_EQ(a.body, "c body");
}

// The one-line commands of docs/SDK.md: clang with -DSPINDLE_WASI_HTTP, then
// componentize.mjs.
TEST_F(SdkWasiHttp, DocumentedCommandsBuildAServableComponent) {
  std::string dir = temp_dir("sdk-wasi-one-line");
  std::ofstream(dir + "/hello.cpp") << R"(#include <spindle/http.hpp>

spindle::Response handle(const spindle::Request& req) {
  return spindle::Response::text("hello from " + std::string(req.method_name()) + "\n");
}

SPINDLE_HTTP_COMPONENT(handle)
)";
  Result c =
      run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-Oz", "-fno-exceptions",
                   "-mexec-model=reactor", "-DSPINDLE_WASI_HTTP", "-I", (kSdk / "include").string(),
                   dir + "/hello.cpp", "-o", dir + "/hello.core.wasm", "-Wl,--strip-all"});
  ASSERT_EQ(c.status, 0) << c.err;
  c = run_process({"node", (kSdk / "tools/componentize.mjs").string(), dir + "/hello.core.wasm",
                   "-o", dir + "/hello.wasm"});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_EQ(wasm_kind(dir + "/hello.wasm"), "component");
  EXPECT_LE(fs::file_size(dir + "/hello.wasm"), 100u * 1024);
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "hello"
[[trigger.http]]
route = "/hello"
component = "hello"
[component.hello]
source = "hello.wasm"
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/hello"}).out, "hello from GET\n");
  EXPECT_EQ(curl({"-X", "DELETE", up.url() + "/hello"}).out, "hello from DELETE\n");

  // A missing core module or npm folder is an error that says what is wrong.
  c = run_process({"node", (kSdk / "tools/componentize.mjs").string(), dir + "/nothing.wasm", "-o",
                   dir + "/x.wasm"});
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.err.find("no such file"), std::string::npos) << c.err;
  c = run_process({"node", (kSdk / "tools/componentize.mjs").string(), dir + "/hello.core.wasm",
                   "-o", dir + "/x.wasm", "--node-modules", dir + "/none"});
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.err.find("scripts/setup"), std::string::npos) << c.err;
  // The Spin 1 host capabilities cannot be part of a wasi:http component.
  std::ofstream(dir + "/kv.cpp") << "#include <spindle/kv.hpp>\n";
  c = run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-fno-exceptions",
                   "-DSPINDLE_WASI_HTTP", "-I", (kSdk / "include").string(), "-c", dir + "/kv.cpp",
                   "-o", dir + "/kv.o"});
  EXPECT_NE(c.status, 0);
  EXPECT_NE(c.err.find("not available in a wasi:http component"), std::string::npos) << c.err;
}

// spindle_component(<target> OUTPUT spin1|wasi-http) in a project configured
// with sdk/cpp/wasm32-wasi.cmake (tests/sdk with -DSPINDLE_TEST_WASI_HTTP=ON).
TEST_F(SdkWasiHttp, CMakeSpindleComponentBuildsBothOutputs) {
  std::string dir = temp_dir("sdk-wasi-cmake");
  std::string build = dir + "/build";
  Result c = run_process({"cmake", "-G", "Ninja", "-S", (kRepo / "tests/sdk").string(), "-B", build,
                          "--toolchain", (kSdk / "wasm32-wasi.cmake").string(),
                          "-DCMAKE_BUILD_TYPE=MinSizeRel", "-DSPINDLE_TEST_WASI_HTTP=ON",
                          "-DSPINDLE_COMPONENT_OUTPUT=wasi-http"});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  c = run_process({"cmake", "--build", build, "--verbose"});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("-DSPINDLE_WASI_HTTP"), std::string::npos) << c.out;
  EXPECT_EQ(wasm_kind(build + "/hello.wasm"), "module");        // plain add_executable
  EXPECT_EQ(wasm_kind(build + "/hello_spin1.wasm"), "module");  // OUTPUT spin1
  EXPECT_EQ(wasm_kind(build + "/hello_wasi.core.wasm"), "module");
  EXPECT_EQ(wasm_kind(build + "/hello_wasi.wasm"), "component");    // OUTPUT wasi-http
  EXPECT_EQ(wasm_kind(build + "/hello_c_wasi.wasm"), "component");  // SPINDLE_COMPONENT_OUTPUT
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "cmake"
[[trigger.http]]
route = "/spin1"
component = "spin1"
[[trigger.http]]
route = "/wasi"
component = "wasi"
[[trigger.http]]
route = "/c"
component = "c"
[component.spin1]
source = "build/hello_spin1.wasm"
[component.wasi]
source = "build/hello_wasi.wasm"
[component.c]
source = "build/hello_c_wasi.wasm"
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/spin1?who=cmake"}).out, "hello, cmake\n");
  EXPECT_EQ(curl({up.url() + "/wasi?who=cmake"}).out, "hello, cmake\n");
  EXPECT_EQ(curl({up.url() + "/c"}).out, "hello from C\n");
}

}  // namespace
}  // namespace spindle::test

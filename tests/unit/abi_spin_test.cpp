// The Spin 1.x HTTP executor against a hand-written guest (spin_echo.c) on
// both backends: every request field in and every response field out, the
// allocation protocol, 405, bad statuses, lying pointers, traps, timeouts,
// limits, `_initialize`, preparation errors.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "abi/executor.h"
#include "abi/spin_executor.h"
#include "engine/engine.h"
#include "guest_loader.h"
#include "test_util.h"

namespace spindle::abi {
namespace {

using engine::Backend;
using engine::TrapKind;

using spindle::test::load_guest;

std::shared_ptr<engine::Module> load_wat(Backend b, std::string_view text) {
  engine::EngineOptions o;
  o.backend = b;
  static std::mutex mu;
  static std::map<Backend, std::unique_ptr<engine::Engine>> engines;
  std::lock_guard lock(mu);
  auto& eng = engines[b];
  if (!eng) eng = engine::Engine::create(o);
  auto r = eng->load(test::wat(text), "test.wasm");
  EXPECT_TRUE(r.ok()) << r.error;
  return r.module;
}

ComponentConfig named(std::string id) {
  ComponentConfig c;
  c.id = std::move(id);
  return c;
}

std::string header(const Response& r, std::string_view name) {
  auto v = find_header(r.headers, name);
  return v ? std::string(*v) : "<none>";
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class SpinExecutorTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto m = load_guest(GetParam(), "spin_echo");
    ASSERT_TRUE(m) << "cannot load spin_echo";
    ComponentConfig c;
    c.id = "echo";
    auto p = make_executor(ExecutorKind::Spin, m, c);
    ASSERT_TRUE(p.ok()) << p.error;
    exec_ = p.executor;
    EXPECT_EQ(exec_->kind(), "spin");
  }
  Result run(std::string method, std::string uri, Headers headers = {}, std::string body = {},
             CallInfo info = {}) {
    Request r{std::move(method), std::move(uri), std::move(headers), std::move(body), nullptr};
    return exec_->handle(r, info);
  }
  std::shared_ptr<const Executor> exec_;
};

// The request's headers, then Spin's `spin-*` headers from what the
// trigger knows of the request (CallInfo), path parameters last.
TEST_P(SpinExecutorTest, EchoesEveryField) {
  Headers in = {{"host", "example.com:3000"},
                {"content-type", "text/plain; charset=utf-8"},
                {"x-custom", "Value With  Spaces"},
                {"x-empty", ""}};
  CallInfo info;
  info.host = "example.com:3000";
  info.scheme = "https";
  info.base = "/base";
  info.matched_route = "/base/echo/:which/...";
  info.raw_component_route = "/echo/:which/...";
  info.component_route = "/echo/:which";
  info.path_info = "/rest";
  info.path_params = {{"which", "a"}};
  info.client_addr = "127.0.0.1:40000";
  Result r = run("POST", "/echo/a/rest?x=1&y=2", in, "hello body", info);
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.trap, TrapKind::None);
  Headers want = {{"x-method", "post"},    {"x-uri", "/echo/a/rest?x=1&y=2"},
                  {"x-init-count", "1"},   {"x-start-called", "0"},
                  {"x-params-len", "0"},   {"x-body-some", "1"},
                  {"x-header-count", "12"}};
  want.insert(want.end(), in.begin(), in.end());
  Headers spin = {{"spin-full-url", "https://example.com:3000/echo/a/rest?x=1&y=2"},
                  {"spin-path-info", "/rest"},
                  {"spin-matched-route", "/base/echo/:which/..."},
                  {"spin-base-path", "/base"},
                  {"spin-raw-component-route", "/echo/:which/..."},
                  {"spin-component-route", "/echo/:which"},
                  {"spin-client-addr", "127.0.0.1:40000"},
                  {"spin-path-match-which", "a"}};
  want.insert(want.end(), spin.begin(), spin.end());
  EXPECT_EQ(r.response.headers, want);
  EXPECT_EQ(r.response.body, "hello body");
  EXPECT_TRUE(r.guest_stdout.empty());
}

TEST_P(SpinExecutorTest, EveryMethodOfTheEnum) {
  const std::map<std::string, std::string> methods = {
      {"GET", "get"},     {"POST", "post"}, {"PUT", "put"},        {"DELETE", "delete"},
      {"PATCH", "patch"}, {"HEAD", "head"}, {"OPTIONS", "options"}};
  for (const auto& [m, name] : methods) {
    Result r = run(m, "/");
    EXPECT_EQ(r.response.status, 200) << m << ": " << r.error;
    EXPECT_EQ(header(r.response, "x-method"), name);
  }
}

TEST_P(SpinExecutorTest, OtherMethodsAre405WithoutRunningTheGuest) {
  for (std::string m : {"TRACE", "CONNECT", "get", "PROPFIND", ""}) {
    Result r = run(m, "/");
    EXPECT_EQ(r.response.status, 405) << m;
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(r.response.body.empty());
    EXPECT_TRUE(r.guest_stderr.empty()) << "guest ran: " << r.guest_stderr;
  }
}

TEST_P(SpinExecutorTest, EmptyBodyIsSomeAndEmpty) {
  Result r = run("GET", "/");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(header(r.response, "x-body-some"), "1");
  EXPECT_EQ(r.response.body, "");
  EXPECT_EQ(header(r.response, "x-header-count"), "7");  // the spin-* ones
}

TEST_P(SpinExecutorTest, OneMebibyteBodyBothWays) {
  std::string body(1 << 20, '\0');
  std::mt19937 rng(7);
  for (char& c : body) c = static_cast<char>(rng());
  Result r = run("PUT", "/big", {}, body);
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.response.body.size(), body.size());
  EXPECT_TRUE(r.response.body == body);
}

TEST_P(SpinExecutorTest, ManyHeaders) {
  Headers in;
  for (int i = 0; i < 300; ++i)
    in.emplace_back("x-h" + std::to_string(i), std::string(i % 50, 'v'));
  Result r = run("GET", "/many", in);
  ASSERT_EQ(r.response.status, 200) << r.error;
  ASSERT_EQ(r.response.headers.size(), 7 + in.size() + 7);
  EXPECT_TRUE(std::equal(in.begin(), in.end(), r.response.headers.begin() + 7));
}

TEST_P(SpinExecutorTest, AllocationAndFreeProtocol) {
  Result r = run("GET", "/echo", {{"a", "1"}, {"bb", "22"}}, "xyz");
  ASSERT_EQ(r.response.status, 200) << r.error;
  std::vector<std::string> want = {
      "realloc 0 1 5",    // uri
      "realloc 0 4 144",  // headers list: (2 + 7) x 16 bytes, align 4
      "realloc 0 1 1",   "realloc 0 1 1", "realloc 0 1 2", "realloc 0 1 2",
  };
  // The spin-* headers, from a default CallInfo.
  for (auto [k, v] : {std::pair{"spin-full-url", "http://localhost/echo"},
                      {"spin-path-info", ""},
                      {"spin-matched-route", ""},
                      {"spin-base-path", "/"},
                      {"spin-raw-component-route", ""},
                      {"spin-component-route", ""},
                      {"spin-client-addr", ""}}) {
    want.push_back("realloc 0 1 " + std::to_string(std::strlen(k)));
    want.push_back("realloc 0 1 " + std::to_string(std::strlen(v)));
  }
  want.push_back("realloc 0 4 0");  // params: empty list
  want.push_back("realloc 0 1 3");  // body
  // Response: each header's name and value freed after copying, then the
  // list (9 x 16 bytes), then the body.
  const Headers& h = r.response.headers;
  for (const auto& [k, v] : h) {
    want.push_back("free " + std::to_string(k.size()) + " 1");
    want.push_back("free " + std::to_string(v.size()) + " 1");
  }
  want.push_back("free " + std::to_string(h.size() * 16) + " 4");
  want.push_back("free 3 1");
  EXPECT_EQ(lines(r.guest_stderr), want);
}

TEST_P(SpinExecutorTest, NoneHeadersAndBody) {
  Result r = run("GET", "/none");
  EXPECT_EQ(r.response.status, 201) << r.error;
  EXPECT_TRUE(r.response.headers.empty());
  EXPECT_TRUE(r.response.body.empty());
  EXPECT_EQ(r.guest_stderr.find("free"), std::string::npos) << r.guest_stderr;
}

TEST_P(SpinExecutorTest, RepeatedHeaderKeepsTheLastValueWithLowercaseName) {
  Result r = run("GET", "/dup");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.response.headers, (Headers{{"x-a", "2"}}));
}

TEST_P(SpinExecutorTest, StatusOutside100To599Is500) {
  for (int s : {0, 99, 600, 1000, 65535}) {
    Result r = run("GET", "/status/" + std::to_string(s));
    EXPECT_EQ(r.response.status, 500) << s;
    EXPECT_NE(r.error.find("status"), std::string::npos) << r.error;
  }
  for (int s : {100, 204, 418, 599}) {
    Result r = run("GET", "/status/" + std::to_string(s));
    EXPECT_EQ(r.response.status, s) << r.error;
    EXPECT_TRUE(r.error.empty());
  }
}

TEST_P(SpinExecutorTest, LyingGuestGets500) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/bad-ret", "return area"},
      {"/misaligned-ret", "return area"},
      {"/oob-body", "response body at 0xffffff00"},
      {"/huge-body", "with length 2147483647 is outside guest memory"},
      {"/oob-headers", "headers list at 0xfffffff0"},
      {"/wrap-headers", "268435457 headers"},
      {"/long-headers", "60000 entries is outside guest memory"},
      {"/oob-header-key", "response header 0 name at 0xffffff00"},
      {"/bad-tag", "option discriminant"},
      {"/bad-utf8", "not valid UTF-8"},
      {"/bad-name", "invalid response header name"},
  };
  for (const auto& [path, why] : cases) {
    Result r = run("GET", path);
    EXPECT_EQ(r.response.status, 500) << path;
    EXPECT_NE(r.error.find(why), std::string::npos) << path << ": " << r.error;
    EXPECT_EQ(r.trap, TrapKind::None) << path << ": " << r.error;
    EXPECT_TRUE(r.response.headers.empty()) << path;
    EXPECT_TRUE(r.response.body.empty()) << path;
  }
}

TEST_P(SpinExecutorTest, TrapIs500WithTheTrapKind) {
  Result r = run("GET", "/trap");
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(r.trap, TrapKind::Unreachable);
  EXPECT_NE(r.error.find(std::string(engine::trap_name(TrapKind::Unreachable))), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("handle-http-request"), std::string::npos) << r.error;
}

TEST_P(SpinExecutorTest, TimeoutIs504) {
  CallInfo info;
  info.limits.timeout = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  Result r = run("GET", "/loop", {}, {}, info);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.response.status, 504) << r.error;
  EXPECT_EQ(r.trap, TrapKind::Timeout);
  EXPECT_LT(took, std::chrono::seconds(10));
  // The executor is still fine afterwards.
  EXPECT_EQ(run("GET", "/").response.status, 200);
}

TEST_P(SpinExecutorTest, ExitIs500) {
  Result r = run("GET", "/exit");
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(r.trap, TrapKind::Exit);
  EXPECT_NE(r.error.find("exited with code 3"), std::string::npos) << r.error;
}

TEST_P(SpinExecutorTest, MemoryLimitIs500) {
  CallInfo info;
  info.limits.max_memory_bytes = 16 << 20;
  Result r = run("GET", "/grow", {}, {}, info);
  EXPECT_EQ(r.response.status, 500) << r.error;
  EXPECT_EQ(r.trap, TrapKind::MemoryLimit) << r.error;
  // Without the limit the same request succeeds.
  EXPECT_EQ(run("GET", "/grow").response.status, 200);
}

TEST_P(SpinExecutorTest, CapturesStdoutAndStderr) {
  Result r = run("GET", "/print");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.guest_stdout, "hello from stdout\n");
  EXPECT_NE(r.guest_stderr.find("hello from stderr\n"), std::string::npos);
  // Output of a trapping request is returned too.
  Result t = run("GET", "/trap");
  EXPECT_NE(t.guest_stderr.find("realloc"), std::string::npos);
}

TEST_P(SpinExecutorTest, InitializeOncePerInstanceAndNeverStart) {
  for (int i = 0; i < 3; ++i) {
    Result r = run("GET", "/");
    EXPECT_EQ(header(r.response, "x-init-count"), "1");
    EXPECT_EQ(header(r.response, "x-start-called"), "0");
  }
}

TEST_P(SpinExecutorTest, ConcurrentRequests) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string body = "t" + std::to_string(t) + "i" + std::to_string(i);
        Request req{"POST", "/c", {{"x-t", body}}, body, nullptr};
        Result r = exec_->handle(req, {});
        if (r.response.status == 200 && r.response.body == body &&
            header(r.response, "x-t") == body)
          ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

INSTANTIATE_TEST_SUITE_P(Backends, SpinExecutorTest,
                         ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// ---- preparation ------------------------------------------------------------

class SpinPrepareTest : public ::testing::TestWithParam<Backend> {};

constexpr const char* kAbiFuncs = R"(
  (memory (export "memory") 1)
  (func (export "handle-http-request") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    i32.const 0)
  (func (export "canonical_abi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 8)
)";

TEST_P(SpinPrepareTest, MissingFreeGetsTheWagiHint) {
  auto m = load_wat(GetParam(), std::string("(module ") + kAbiFuncs + ")");
  ComponentConfig c;
  c.id = "nofree";
  auto p = make_executor(ExecutorKind::Spin, m, c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("canonical_abi_free"), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("should this use the wagi executor?"), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("nofree"), std::string::npos) << p.error;
}

TEST_P(SpinPrepareTest, AWagiModuleGetsTheHint) {
  auto m = load_guest(GetParam(), "wagi_echo");
  ASSERT_TRUE(m);
  auto p = make_executor(ExecutorKind::Spin, m, named("cgi"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("handle-http-request"), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("should this use the wagi executor?"), std::string::npos) << p.error;
}

TEST_P(SpinPrepareTest, WrongSignatureIsNamed) {
  auto m = load_wat(GetParam(), std::string("(module ") + kAbiFuncs +
                                    R"((func (export "canonical_abi_free") (param i32 i32))))");
  auto p = make_executor(ExecutorKind::Spin, m, named("sig"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("canonical_abi_free"), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("expected"), std::string::npos) << p.error;
  EXPECT_EQ(p.error.find("wagi"), std::string::npos) << p.error;
}

TEST_P(SpinPrepareTest, UnknownImportsAreRefusedUnlessTrapped) {
  std::string text = std::string(R"((module
    (import "fermyon:unknown" "request" (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  )") + kAbiFuncs + R"((func (export "canonical_abi_free") (param i32 i32 i32))))";
  auto m = load_wat(GetParam(), text);
  auto p = make_executor(ExecutorKind::Spin, m, named("imp"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("fermyon:unknown::request"), std::string::npos) << p.error;
  ComponentConfig c = named("imp");
  c.trap_unknown_imports = true;
  auto q = make_executor(ExecutorKind::Spin, m, c);
  EXPECT_TRUE(q.ok()) << q.error;
}

TEST_P(SpinPrepareTest, MissingFilesDirectory) {
  auto m = load_guest(GetParam(), "spin_echo");
  ASSERT_TRUE(m);
  ComponentConfig c = named("files");
  c.files_dir = "/nonexistent/spindle-abi-test";
  auto p = make_executor(ExecutorKind::Spin, m, c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("/nonexistent/spindle-abi-test"), std::string::npos) << p.error;
}

INSTANTIATE_TEST_SUITE_P(Backends, SpinPrepareTest,
                         ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(SpinMethod, EnumIndices) {
  EXPECT_EQ(spin_method_index("GET"), 0);
  EXPECT_EQ(spin_method_index("POST"), 1);
  EXPECT_EQ(spin_method_index("PUT"), 2);
  EXPECT_EQ(spin_method_index("DELETE"), 3);
  EXPECT_EQ(spin_method_index("PATCH"), 4);
  EXPECT_EQ(spin_method_index("HEAD"), 5);
  EXPECT_EQ(spin_method_index("OPTIONS"), 6);
  EXPECT_EQ(spin_method_index("TRACE"), -1);
  EXPECT_EQ(spin_method_index("get"), -1);
}

}  // namespace
}  // namespace spindle::abi

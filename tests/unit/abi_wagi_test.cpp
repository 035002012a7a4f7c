// The WAGI executor: the CGI environment, argv, stdin and every stdout rule,
// through a real guest (wagi_echo.c) on both backends, and the pure pieces
// (argv template, environment, response parsing) directly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "abi/executor.h"
#include "abi/wagi_executor.h"
#include "engine/engine.h"
#include "guest_loader.h"

namespace spindle::abi {
namespace {

using engine::Backend;
using engine::TrapKind;
using Env = std::vector<std::pair<std::string, std::string>>;

using spindle::test::load_guest;

ComponentConfig named(std::string id) {
  ComponentConfig c;
  c.id = std::move(id);
  return c;
}

std::string header(const Response& r, std::string_view name) {
  auto v = find_header(r.headers, name);
  return v ? std::string(*v) : "<none>";
}

// The echo body: "argc=", "argv[i]=", "env:K=V" lines, then "stdin:" + data.
struct Echo {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::vector<std::string> env_order;
  std::string stdin_data;
};

Echo parse_echo(const std::string& body) {
  Echo e;
  size_t stdin_at = body.find("stdin:");
  std::istringstream in(body.substr(0, stdin_at));
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("argv[")) e.argv.push_back(l.substr(l.find('=') + 1));
    if (l.starts_with("env:")) {
      std::string kv = l.substr(4);
      size_t eq = kv.find('=');
      e.env[kv.substr(0, eq)] = kv.substr(eq + 1);
      e.env_order.push_back(kv.substr(0, eq));
    }
  }
  if (stdin_at != std::string::npos) e.stdin_data = body.substr(stdin_at + 6);
  return e;
}

CallInfo route_info(std::string path_info) {
  CallInfo info;
  info.base = "/";
  info.matched_route = "/cgi/...";
  info.raw_component_route = "/cgi/...";
  info.component_route = "/cgi";
  info.path_info = std::move(path_info);
  info.client_addr = "10.1.2.3:45678";
  info.host = "listen.example:3000";
  return info;
}

class WagiExecutorTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::shared_ptr<const Executor> make(ComponentConfig c = {}) {
    auto m = load_guest(GetParam(), "wagi_echo");
    EXPECT_TRUE(m) << "cannot load wagi_echo";
    if (!m) return nullptr;
    if (c.id.empty()) c.id = "cgi";
    auto p = make_executor(ExecutorKind::Wagi, m, c);
    EXPECT_TRUE(p.ok()) << p.error;
    if (p.ok()) {
      EXPECT_EQ(p.executor->kind(), "wagi");
    }
    return p.executor;
  }
  Result run(const Executor& e, std::string method, std::string path_info, std::string query = {},
             Headers headers = {}, std::string body = {}) {
    std::string uri = "/cgi" + path_info + (query.empty() ? "" : "?" + query);
    Request r{std::move(method), uri, std::move(headers), std::move(body), nullptr};
    CallInfo info = route_info(path_info);
    info.limits = limits_;
    return e.handle(r, info);
  }
  engine::InstanceOptions limits_;
};

TEST_P(WagiExecutorTest, CgiEnvironmentArgvAndStdin) {
  ComponentConfig c = named("cgi");
  c.environment = {{"GREETING", "hi"}, {"SERVER_NAME", "mine"}};
  auto e = make(c);
  ASSERT_TRUE(e);
  Headers h = {{"host", "example.com:8080"},
               {"content-type", "application/json"},
               {"user-agent", "test/1"},
               {"x-multi-part-name", "v"},
               {"authorization", "Bearer secret"},
               {"connection", "keep-alive"},
               {"spin-full-url", "http://example.com:8080/cgi/x/y?a=1&b=2"},
               {"spin-path-match-id", "7"}};
  Result r = run(*e, "POST", "/x/y", "a=1&b=2", h, "{\"k\":1}");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(header(r.response, "content-type"), "text/plain");
  Echo out = parse_echo(r.response.body);
  EXPECT_EQ(out.argv, (std::vector<std::string>{"/cgi/x/y", "a=1", "b=2"}));
  EXPECT_EQ(out.stdin_data, "{\"k\":1}");
  const std::map<std::string, std::string> want = {
      {"AUTH_TYPE", ""},
      {"CONTENT_LENGTH", "7"},
      {"CONTENT_TYPE", "application/json"},
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"QUERY_STRING", "a=1&b=2"},
      {"REMOTE_ADDR", "10.1.2.3"},
      {"REMOTE_HOST", "10.1.2.3"},
      {"REMOTE_USER", ""},
      {"REQUEST_METHOD", "POST"},
      {"SCRIPT_NAME", "/cgi"},
      {"PATH_INFO", "/x/y"},
      {"X_RAW_PATH_INFO", "/x/y"},
      {"PATH_TRANSLATED", "/x/y"},
      {"SERVER_NAME", "example.com"},
      {"SERVER_PORT", "8080"},
      {"SERVER_PROTOCOL", "HTTP/1.1"},
      {"SERVER_SOFTWARE", "WAGI/1"},
      {"X_FULL_URL", "http://example.com:8080/cgi/x/y?a=1&b=2"},
      {"X_MATCHED_ROUTE", "/cgi/..."},
      {"X_BASE_PATH", "/"},
      {"X_RAW_COMPONENT_ROUTE", "/cgi/..."},
      {"X_COMPONENT_ROUTE", "/cgi"},
      {"X_CLIENT_ADDR", "10.1.2.3:45678"},
      {"HTTP_HOST", "example.com:8080"},
      {"HTTP_CONTENT_TYPE", "application/json"},
      {"HTTP_USER_AGENT", "test/1"},
      {"HTTP_X_MULTI_PART_NAME", "v"},
      {"GREETING", "hi"},
  };
  for (const auto& [k, v] : want) {
    auto it = out.env.find(k);
    ASSERT_NE(it, out.env.end()) << k;
    EXPECT_EQ(it->second, v) << k;
  }
  EXPECT_EQ(out.env.size(), want.size()) << r.response.body;
  EXPECT_EQ(out.env.count("HTTP_AUTHORIZATION"), 0u);
  EXPECT_EQ(out.env.count("HTTP_CONNECTION"), 0u);
  EXPECT_EQ(out.env.count("HTTP_SPIN_FULL_URL"), 0u);
  // The component's environment comes first; SERVER_NAME is the CGI one.
  EXPECT_EQ(out.env_order.front(), "GREETING");
  EXPECT_EQ(std::count(out.env_order.begin(), out.env_order.end(), "SERVER_NAME"), 1);
}

TEST_P(WagiExecutorTest, ArgvWithoutQueryHasAnEmptyArgument) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/p", "");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(parse_echo(r.response.body).argv, (std::vector<std::string>{"/cgi/p", ""}));
}

TEST_P(WagiExecutorTest, CustomArgvTemplate) {
  ComponentConfig c = named("cgi");
  c.argv = "prog --name ${SCRIPT_NAME} -- ${ARGS}";
  auto e = make(c);
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/p", "x&y=2");
  ASSERT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(parse_echo(r.response.body).argv,
            (std::vector<std::string>{"prog", "--name", "/cgi/p", "--", "x", "y=2"}));
}

TEST_P(WagiExecutorTest, LargeStdin) {
  auto e = make();
  ASSERT_TRUE(e);
  std::string body(1 << 20, 'a');
  std::mt19937 rng(3);
  for (char& c : body) c = static_cast<char>('a' + rng() % 26);
  Result r = run(*e, "PUT", "/big", "", {}, body);
  ASSERT_EQ(r.response.status, 200) << r.error;
  Echo out = parse_echo(r.response.body);
  EXPECT_EQ(out.env["CONTENT_LENGTH"], std::to_string(body.size()));
  EXPECT_TRUE(out.stdin_data == body);
}

TEST_P(WagiExecutorTest, StatusHeaderAndExtraHeaders) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/status");
  EXPECT_EQ(r.response.status, 201);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.response.headers, (Headers{{"content-type", "text/plain"}, {"x-extra", "yes"}}));
  EXPECT_EQ(r.response.body, "created");
}

TEST_P(WagiExecutorTest, UnparseableStatusIs502) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/bad-status");
  EXPECT_EQ(r.response.status, 502);
  EXPECT_FALSE(r.error.empty());
}

TEST_P(WagiExecutorTest, LocationRedirects) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/location");
  EXPECT_EQ(r.response.status, 302);
  EXPECT_EQ(header(r.response, "location"), "/elsewhere");
  Result s = run(*e, "GET", "/location-status");
  EXPECT_EQ(s.response.status, 301);
  EXPECT_EQ(header(s.response, "location"), "/moved");
}

TEST_P(WagiExecutorTest, InsufficientHeadersAre500) {
  auto e = make();
  ASSERT_TRUE(e);
  for (std::string mode : {"/no-blank", "/only-custom"}) {
    Result r = run(*e, "GET", mode);
    EXPECT_EQ(r.response.status, 500) << mode;
    EXPECT_FALSE(r.error.empty()) << mode;
    EXPECT_EQ(r.response.body, "Exactly one of 'location' or 'content-type' must be specified");
  }
}

TEST_P(WagiExecutorTest, EmptyStdoutIs500WithAMessage) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/empty");
  EXPECT_EQ(r.response.status, 500);
  EXPECT_NE(r.error.find("did not write to stdout"), std::string::npos) << r.error;
}

TEST_P(WagiExecutorTest, CrlfHeadersAndBodyKeptAsWritten) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/crlf");
  EXPECT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.response.headers, (Headers{{"content-type", "text/html"}, {"x-a", "b"}}));
  EXPECT_EQ(r.response.body, "line1\r\nline2\r\n");
}

TEST_P(WagiExecutorTest, ExitCodes) {
  auto e = make();
  ASSERT_TRUE(e);
  Result ok = run(*e, "GET", "/exit0");
  EXPECT_EQ(ok.response.status, 200) << ok.error;
  EXPECT_EQ(ok.response.body, "bye");
  Result bad = run(*e, "GET", "/exit3");
  EXPECT_EQ(bad.response.status, 500);
  EXPECT_EQ(bad.trap, TrapKind::Exit);
  EXPECT_NE(bad.error.find("exited with code 3"), std::string::npos) << bad.error;
}

TEST_P(WagiExecutorTest, TrapIs500AndTimeoutIs504) {
  auto e = make();
  ASSERT_TRUE(e);
  Result t = run(*e, "GET", "/trap");
  EXPECT_EQ(t.response.status, 500);
  EXPECT_EQ(t.trap, TrapKind::Unreachable);
  EXPECT_NE(t.error.find("_start"), std::string::npos) << t.error;
  limits_.timeout = std::chrono::milliseconds(200);
  Result l = run(*e, "GET", "/loop");
  EXPECT_EQ(l.response.status, 504);
  EXPECT_EQ(l.trap, TrapKind::Timeout);
}

TEST_P(WagiExecutorTest, StderrIsCapturedStdoutIsTheResponse) {
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/stderr");
  EXPECT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.guest_stderr, "wagi says hi\n");
  EXPECT_TRUE(r.guest_stdout.empty());
}

TEST_P(WagiExecutorTest, CapturedOutputIsCappedAndTheGuestIsToldSo) {
  // A guest writing without end gets EFBIG once 64 MiB of stderr is held,
  // instead of growing the host's memory until the deadline.
  auto e = make();
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/flood");
  EXPECT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.response.body, "stopped after 64 MiB: File too large\n");
  EXPECT_EQ(r.guest_stderr.size(), size_t{64} << 20);
}

TEST_P(WagiExecutorTest, FilesMountedReadOnlyAtRoot) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(SPINDLE_TEST_TMP) / ("abi-wagi-files-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "hello.txt") << "hello file";
  ComponentConfig c = named("files");
  c.files_dir = dir;
  auto e = make(c);
  ASSERT_TRUE(e);
  Result r = run(*e, "GET", "/file");
  EXPECT_EQ(r.response.status, 200) << r.error;
  EXPECT_EQ(r.response.body, "content=hello file\ncreate=refused\n");
  EXPECT_FALSE(fs::exists(dir / "new.txt"));
  fs::remove_all(dir);
}

TEST_P(WagiExecutorTest, EntrypointMustExist) {
  auto m = load_guest(GetParam(), "wagi_echo");
  ASSERT_TRUE(m);
  ComponentConfig c = named("cgi");
  c.entrypoint = "run";
  auto p = make_executor(ExecutorKind::Wagi, m, c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error.find("`run`"), std::string::npos) << p.error;
  auto s = load_guest(GetParam(), "spin_echo");
  ASSERT_TRUE(s);
  c.entrypoint = "main";
  auto q = make_executor(ExecutorKind::Wagi, s, c);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error.find("spin executor"), std::string::npos) << q.error;
}

INSTANTIATE_TEST_SUITE_P(Backends, WagiExecutorTest,
                         ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// ---- the pure pieces ---------------------------------------------------------

TEST(WagiArgv, Template) {
  using V = std::vector<std::string>;
  EXPECT_EQ(wagi_argv("${SCRIPT_NAME} ${ARGS}", "/a/b?x=1&y"), (V{"/a/b", "x=1", "y"}));
  EXPECT_EQ(wagi_argv("${SCRIPT_NAME} ${ARGS}", "/a"), (V{"/a", ""}));
  EXPECT_EQ(wagi_argv("${SCRIPT_NAME}", "/a?q"), (V{"/a"}));
  EXPECT_EQ(wagi_argv("x  ${ARGS}", "/?a&&b"), (V{"x", "", "a", "", "b"}));
  // A placeholder inside the query is not expanded again.
  EXPECT_EQ(wagi_argv("${ARGS}", "/?${SCRIPT_NAME}"), (V{"${SCRIPT_NAME}"}));
}

Env to_env(const Request& r, const CallInfo& i) { return wagi_environment(r, i); }
std::string var(const Env& env, std::string_view k) {
  for (const auto& [n, v] : env)
    if (n == k) return v;
  return "<unset>";
}

TEST(WagiEnvironment, HostFallbackIpv6AndDecoding) {
  CallInfo info;
  info.matched_route = "/...";
  info.path_info = "/a%20b/%E2%9C%93/%ff";
  info.client_addr = "[::1]:5555";
  info.host = "[::1]:3000";
  info.path_params = {{"user-id", "42"}};
  Request req{"GET",
              "/a%20b/%E2%9C%93/%ff",
              {{"x-dup", "1"}, {"x-dup", "2"}, {"x-bin", "\x01z"}},
              "",
              nullptr};
  Env env = to_env(req, info);
  EXPECT_EQ(var(env, "SCRIPT_NAME"), "");
  EXPECT_EQ(var(env, "SERVER_NAME"), "[::1]");
  EXPECT_EQ(var(env, "SERVER_PORT"), "3000");
  EXPECT_EQ(var(env, "REMOTE_ADDR"), "::1");
  EXPECT_EQ(var(env, "X_CLIENT_ADDR"), "[::1]:5555");
  EXPECT_EQ(var(env, "X_FULL_URL"), "http://[::1]:3000/a%20b/%E2%9C%93/%ff");
  EXPECT_EQ(var(env, "PATH_INFO"), "/a%20b/%E2%9C%93/%ff");
  EXPECT_EQ(var(env, "PATH_TRANSLATED"), "/a b/\xE2\x9C\x93/\xEF\xBF\xBD");
  EXPECT_EQ(var(env, "CONTENT_LENGTH"), "0");
  EXPECT_EQ(var(env, "CONTENT_TYPE"), "");
  EXPECT_EQ(var(env, "X_PATH_MATCH_USER-ID"), "42");
  EXPECT_EQ(var(env, "HTTP_X_DUP"), "2");
  EXPECT_EQ(var(env, "HTTP_X_BIN"), "CORRUPT VALUE");

  info.host = "plainhost";
  EXPECT_EQ(var(to_env(req, info), "SERVER_PORT"), "80");
  EXPECT_EQ(var(to_env(req, info), "SERVER_NAME"), "plainhost");
}

TEST(WagiCompose, Rules) {
  auto c = [](std::string_view s) { return compose_wagi_response(s); };
  {
    auto r = c("Content-Type: text/plain\n\nbody\n\nmore");
    EXPECT_EQ(r.response.status, 200);
    EXPECT_TRUE(r.error.empty());
    EXPECT_EQ(r.response.body, "body\n\nmore");
  }
  {
    auto r = c("content-type:text/plain\r\n\r\n\r\nx");
    EXPECT_EQ(r.response.headers, (Headers{{"content-type", "text/plain"}}));
    EXPECT_EQ(r.response.body, "\r\nx");
  }
  EXPECT_EQ(c("Status: 404 Not Found\n\n").response.status, 404);
  EXPECT_EQ(c("Status: 404\n\n").response.status, 404);
  EXPECT_EQ(c("Status:   204   \n\n").response.status, 204);
  EXPECT_EQ(c("Status: 99\n\n").response.status, 502);
  EXPECT_EQ(c("Status: 1000\n\n").response.status, 502);
  EXPECT_EQ(c("Status: 2x0\n\n").response.status, 502);
  EXPECT_EQ(c("Status: \n\n").response.status, 502);
  EXPECT_EQ(c("Status: 999\n\n").response.status, 999);
  EXPECT_EQ(c("Location: /x\n\n").response.status, 302);
  EXPECT_EQ(c("Status: 200\nLocation: /x\n\n").response.status, 200);
  EXPECT_EQ(c("Location: /x\nStatus: 303\n\n").response.status, 303);
  {
    auto r = c("X-Only: 1\n\nbody");
    EXPECT_EQ(r.response.status, 500);
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(r.response.headers.empty());
  }
  EXPECT_EQ(c("no blank line at all").response.status, 500);
  EXPECT_EQ(c("Content-Type: a\n").response.status, 500);
  {
    // Lines without a colon are ignored; invalid names are dropped; a
    // repeated name keeps the last value.
    auto r = c("Content-Type: a\ngarbage\nBad Name: x\nX-R: 1\nX-R: 2\n\n");
    EXPECT_EQ(r.response.status, 200);
    EXPECT_EQ(r.response.headers, (Headers{{"content-type", "a"}, {"x-r", "2"}}));
  }
  EXPECT_EQ(c("Content-Type: \xff\n\n").response.status, 500);  // not UTF-8
}

}  // namespace
}  // namespace spindle::abi

// The C/C++ guest SDK (sdk/cpp) end to end: guests built with it
// (tests/guests/sdk_*.cpp, sdk_*.c) served by a real `spindle up` on a free
// loopback port and asked with curl. See docs/SDK.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// The repository, from this file's path (tests/integration/sdk_test.cpp).
const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();

// One app: sdk_api at "/..." and "/api/...", and at the exact route
// "/people/:name"; sdk_faults at "/faults/..."; the C guests at "/c/..." and
// "/c-hello".
std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  for (const char* g : {"sdk_api", "sdk_faults", "sdk_c_echo", "sdk_c_hello"})
    fs::copy_file(guest(g), dir + "/" + g + ".wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2

[application]
name = "sdk"

[[trigger.http]]
route = "/..."
component = "api"
[[trigger.http]]
route = "/api/..."
component = "mounted"
[[trigger.http]]
route = "/people/:name"
component = "person"
[[trigger.http]]
route = "/faults/..."
component = "faults"
[[trigger.http]]
route = "/c/..."
component = "c-echo"
[[trigger.http]]
route = "/c-hello"
component = "c-hello"

[component.api]
source = "sdk_api.wasm"
[component.mounted]
source = "sdk_api.wasm"
[component.person]
source = "sdk_api.wasm"
[component.faults]
source = "sdk_faults.wasm"
[component.c-echo]
source = "sdk_c_echo.wasm"
[component.c-hello]
source = "sdk_c_hello.wasm"
)";
  return dir;
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Headers and body of `curl -i` output.
struct Reply {
  std::string head, body;
};
Reply split(const std::string& out) {
  size_t end = out.find("\r\n\r\n");
  if (end == std::string::npos) return {out, ""};
  return {out.substr(0, end + 2), out.substr(end + 4)};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(Sdk, RequestHeadersAreCaseInsensitiveAndResponsesCarrySeveralHeaders) {
  std::string dir = make_app("sdk-headers");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", "-A", "agent/1", "-H", "X-CUSTOM-header: custom value", "-H",
                   "Content-Type: text/x-test", up.url() + "/headers"});
  ASSERT_EQ(r.status, 0) << r.err;
  Reply reply = split(r.out);
  for (const char* want : {"HTTP/1.1 200", "x-agent: agent/1\r\n", "x-custom: custom value\r\n",
                           "x-missing: absent\r\n", "x-content-type: text/x-test\r\n"}) {
    EXPECT_TRUE(has(reply.head, want)) << want << "\n" << r.out;
  }
  // curl's Host, User-Agent, Accept, the two above, and Spin's seven spin-* headers.
  EXPECT_TRUE(has(reply.head, "x-count: 12\r\n")) << r.out;
  // A repeated name: Spin's host keeps the last value (documented in response.hpp).
  EXPECT_TRUE(has(reply.head, "set-cookie: b=2\r\n")) << r.out;
  EXPECT_FALSE(has(reply.head, "set-cookie: a=1")) << r.out;
  EXPECT_EQ(reply.body, "headers\n");
}

TEST(Sdk, QueryParametersAreDecodedInOrderWithRepeatsAndMissingValues) {
  std::string dir = make_app("sdk-query");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/query?a=1&b=x+y&a=%32%26%3D&flag&&c=&%C3%A9=%E2%82%AC&d=50%"});
  EXPECT_EQ(r.out,
            R"({"raw":"a=1&b=x+y&a=%32%26%3D&flag&&c=&%C3%A9=%E2%82%AC&d=50%","a":"1",)"
            R"("all_a":["1","2&="],"has_flag":true,"count":7,"pairs":[["a","1"],["b","x y"],)"
            R"(["a","2&="],["flag",""],["c",""],["é","€"],["d","50%"]]})");
  r = curl({up.url() + "/query"});
  EXPECT_EQ(r.out, R"({"raw":"","a":null,"all_a":[],"has_flag":false,"count":0,"pairs":[]})");
  // url_encode keeps only unreserved bytes.
  r = curl({up.url() + "/url?s=a%20b/%C3%A9~-._%00"});
  EXPECT_EQ(r.out, "a%20b%2F%C3%A9~-._%00");
}

TEST(Sdk, JsonBuilderWritesEveryKindOfValue) {
  std::string dir = make_app("sdk-json");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/json"});
  Reply reply = split(r.out);
  EXPECT_TRUE(has(reply.head, "HTTP/1.1 201")) << r.out;
  EXPECT_TRUE(has(reply.head, "content-type: application/json\r\n")) << r.out;
  EXPECT_EQ(reply.body,
            R"({"quote":"say \"hi\"","backslash":"a\\b","controls":"\n\r\t\b\f\u0001\u001f\u0000",)"
            R"("unicode":"é€😀","ints":[1,-2,3],"big":-9007199254740993,)"
            R"("unsigned":18446744073709551615,"double":0.1,"third":0.3333333333333333,)"
            R"("whole":2,"nan":null,"yes":true,"no":false,"null":null,"none":null,"some":7,)"
            R"("raw":{"pre":[1]},"empty_obj":{},"empty_arr":[],"nested":[{"k":"v"},1]})");
  // Result<T> / Error, the shape the host capabilities will return.
  r = curl({up.url() + "/result"});
  EXPECT_EQ(r.out, R"({"good":5,"bad_ok":false,"bad_or":9,"bad_error":"not-found: no-such-key",)"
                   R"("void_ok":true,"text_len":4})");
}

TEST(Sdk, JsonQuoteEscapesControlCharactersAndReplacesInvalidUtf8) {
  std::string dir = make_app("sdk-quote");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string input;
  for (int c = 0; c < 0x20; ++c) input += static_cast<char>(c);
  input += "\"\\/ \x7f";
  input += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8";  // é € 😀 U+2028: kept
  // Invalid: a stray continuation byte, a truncated sequence, an overlong
  // '/', a UTF-16 surrogate, a code point past U+10FFFF, 0xFF.
  input +=
      "|\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xff|\xe2\x82"
      "A";
  write_file(dir + "/in.bin", input);
  Result r = curl({"--data-binary", "@" + dir + "/in.bin", up.url() + "/quote"});
  const std::string fffd = "\xef\xbf\xbd";
  std::string want =
      R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
      R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c)"
      R"(\u001d\u001e\u001f\"\\/ )"
      "\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8" +
      ("|" + fffd + "|" + fffd + "|" + fffd + fffd + "|" + fffd + fffd + fffd + "|" + fffd + fffd +
       fffd + fffd + "|" + fffd + "|" + fffd + "A\"");
  EXPECT_EQ(r.out, want);
}

TEST(Sdk, RouterMatchesMethodsParamsAndWildcards) {
  std::string dir = make_app("sdk-router");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/items/42"}).out, "get 42");
  EXPECT_EQ(curl({up.url() + "/items/42/"}).out, "get 42");           // empty segments ignored
  EXPECT_EQ(curl({up.url() + "/items/a%20b%2Fc"}).out, "get a b/c");  // params decoded
  EXPECT_EQ(curl({"-X", "PUT", "--data-binary", "new", up.url() + "/items/7"}).out, "put 7 new");
  EXPECT_EQ(curl({"-X", "DELETE", "-w", " %{http_code}", up.url() + "/items/7"}).out,
            "delete 7 202");
  EXPECT_EQ(curl({up.url() + "/users/u1/posts/p%2B2"}).out,
            R"({"uid":"u1","pid":"p+2","first":"u1","count":2})");
  // A wildcard takes any method; "*" is the rest of the path, raw.
  EXPECT_EQ(curl({"-X", "PATCH", up.url() + "/files/a/b%20c/d.txt?x=1"}).out,
            "files:a/b%20c/d.txt method:PATCH");
  EXPECT_EQ(curl({up.url() + "/files"}).out, "files: method:GET");
  // No route for the path: 404; a route with another method: 405 + Allow.
  EXPECT_EQ(http_code({up.url() + "/items"}), "404");
  EXPECT_EQ(http_code({up.url() + "/items/1/2"}), "404");
  EXPECT_EQ(http_code({up.url() + "/nope"}), "404");
  Result r = curl({"-i", "-X", "POST", up.url() + "/items/1"});
  EXPECT_TRUE(has(r.out, "HTTP/1.1 405")) << r.out;
  EXPECT_TRUE(has(r.out, "allow: GET, PUT, DELETE, HEAD\r\n")) << r.out;
  // HEAD uses the GET route.
  EXPECT_EQ(http_code({"-I", up.url() + "/items/1"}), "200");
  EXPECT_EQ(http_code({"-I", up.url() + "/quote"}), "405");
}

TEST(Sdk, RouterRoutesSpinPathInfoUnderAWildcardRoute) {
  std::string dir = make_app("sdk-mounted");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // The same component mounted at "/api/...": it routes the part after /api.
  EXPECT_EQ(curl({up.url() + "/api/items/5"}).out, "get 5");
  EXPECT_EQ(curl({up.url() + "/api/users/1/posts/2"}).out,
            R"({"uid":"1","pid":"2","first":"1","count":2})");
  EXPECT_EQ(http_code({up.url() + "/api/api/items/5"}), "404");
  Result r = curl({up.url() + "/api/info?q=1"});
  EXPECT_TRUE(has(r.out, R"("uri":"/api/info?q=1","path":"/api/info","query":"q=1",)"
                         R"("route_path":"/info","path_info":"/info","matched_route":"/api/...")"))
      << r.out;
  // "/api" itself: path info "", routed as "/".
  r = curl({up.url() + "/api"});
  EXPECT_TRUE(has(r.out, R"("route_path":"/","path_info":"")")) << r.out;
}

TEST(Sdk, SpinRequestHeadersAreAccessors) {
  std::string dir = make_app("sdk-spin-headers");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string port = up.url().substr(up.url().rfind(':') + 1);
  Result r = curl({up.url() + "/info?x=%20"});
  EXPECT_EQ(r.out.substr(0, r.out.find("\"client_addr\"")),
            R"({"method":"GET","uri":"/info?x=%20","path":"/info","query":"x=%20",)"
            R"("route_path":"/info","path_info":"/info","matched_route":"/...",)"
            R"("full_url":"http://127.0.0.1:)" +
                port +
                R"(/info?x=%20","base_path":"/","component_route":"/",)"
                R"("raw_component_route":"/...",)");
  EXPECT_TRUE(has(r.out, R"("client_addr":"127.0.0.1:)")) << r.out;
  EXPECT_TRUE(has(r.out, R"("name":null})")) << r.out;
  // An exact route with a `:name` segment: route_param("name").
  r = curl({"-X", "GET", up.url() + "/people/ada"});
  EXPECT_TRUE(has(r.out, R"("route_path":"/","path_info":"","matched_route":"/people/:name")"))
      << r.out;
  EXPECT_TRUE(has(r.out, R"("component_route":"/people/:name")")) << r.out;
  EXPECT_TRUE(has(r.out, R"("name":"ada"})")) << r.out;
}

TEST(Sdk, LargeRequestAndResponseBodiesRoundTripByteForByte) {
  std::string dir = make_app("sdk-large");
  Up up(dir, {"-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  const size_t n = size_t{4} << 20;
  std::string body(n, '\0');
  uint32_t x = 12345, fnv = 2166136261u;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    body[i] = static_cast<char>(x >> 24);
    fnv = (fnv ^ static_cast<uint8_t>(body[i])) * 16777619u;
  }
  char fnv_hex[9];
  snprintf(fnv_hex, sizeof fnv_hex, "%08x", fnv);
  write_file(dir + "/in.bin", body);
  Result r = curl({"-D", dir + "/head.txt", "-o", dir + "/out.bin", "--data-binary",
                   "@" + dir + "/in.bin", up.url() + "/echo"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string head = slurp(dir + "/head.txt");
  EXPECT_TRUE(has(head, "x-len: 4194304\r\n")) << head;
  EXPECT_TRUE(has(head, std::string("x-fnv: ") + fnv_hex + "\r\n")) << head;
  std::string out = slurp(dir + "/out.bin");
  EXPECT_EQ(out.size(), n);
  EXPECT_TRUE(out == body) << "the echoed body differs";
  // A 4 MiB response the guest generates.
  r = curl({"-o", dir + "/big.bin", "-w", "%{http_code}", up.url() + "/big/4194304"});
  EXPECT_EQ(r.out, "200");
  out = slurp(dir + "/big.bin");
  ASSERT_EQ(out.size(), n);
  size_t wrong = 0;
  for (size_t i = 0; i < n; ++i) wrong += out[i] != static_cast<char>((i * 31 + 7) & 0xFF);
  EXPECT_EQ(wrong, 0u);
  // An empty body.
  r = curl({"-X", "POST", "-D", "-", up.url() + "/echo"});
  EXPECT_TRUE(has(r.out, "x-len: 0\r\n")) << r.out;
}

TEST(Sdk, RedirectTextHtmlAndErrorHelpers) {
  std::string dir = make_app("sdk-helpers");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(
      curl({"-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", up.url() + "/redirect"}).out,
      "301 " + up.url() + "/target");
  EXPECT_EQ(
      curl({"-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", up.url() + "/found"}).out,
      "302 " + up.url() + "/target?x=1");
  Result r = curl({"-i", up.url() + "/html"});
  EXPECT_TRUE(has(r.out, "content-type: text/html; charset=utf-8\r\n")) << r.out;
  EXPECT_EQ(split(r.out).body, "<p>hi</p>");
  r = curl({"-i", up.url() + "/error"});
  EXPECT_TRUE(has(r.out, "HTTP/1.1 418")) << r.out;
  EXPECT_TRUE(has(r.out, "content-type: text/plain; charset=utf-8\r\n")) << r.out;
  EXPECT_EQ(split(r.out).body, "teapot\n");
}

TEST(Sdk, AbortTrapsAndLibcxxErrorsGive500AndTheServerKeepsServing) {
  std::string dir = make_app("sdk-faults");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  for (const char* fault : {"abort", "trap", "null", "div0", "at", "huge", "stack"}) {
    EXPECT_EQ(http_code({up.url() + "/faults/" + fault}), "500") << fault;
    EXPECT_EQ(curl({up.url() + "/faults/ok"}).out, "ok\n") << "after " << fault;
  }
  EXPECT_EQ(curl({up.url() + "/items/1"}).out, "get 1");
  std::string log = up.log();
  EXPECT_TRUE(has(log, "unreachable")) << log;
  EXPECT_TRUE(has(log, "divide-by-zero")) << log;
  // libc++'s "throw" and operator new's failure say why on the component's stderr.
  std::string err = slurp(dir + "/.spin/logs/faults_stderr.txt");
  EXPECT_TRUE(has(
      err, "spindle: out_of_range was thrown in -fno-exceptions mode with message \"vector\"\n"))
      << err;
  EXPECT_TRUE(has(err, "spindle: out of memory (operator new)\n")) << err;
}

TEST(Sdk, RunningOutOfMemoryGives500) {
  std::string dir = make_app("sdk-memory");
  Up up(dir, {"--max-memory", "16MiB"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(http_code({up.url() + "/faults/grow"}), "500");
  EXPECT_TRUE(has(up.log(), "memory-limit")) << up.log();
  EXPECT_EQ(curl({up.url() + "/faults/ok"}).out, "ok\n");
}

TEST(Sdk, CHeaderComponents) {
  std::string dir = make_app("sdk-c");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/c-hello"});
  EXPECT_TRUE(has(r.out, "HTTP/1.1 200")) << r.out;
  EXPECT_TRUE(has(r.out, "content-type: text/plain\r\n")) << r.out;
  EXPECT_EQ(split(r.out).body, "hello\n");

  std::string body(1 << 20, 'b');
  for (size_t i = 0; i < body.size(); i += 7) body[i] = static_cast<char>(i);
  write_file(dir + "/in.bin", body);
  r = curl(
      {"-i", "-A", "c-agent", "--data-binary", "@" + dir + "/in.bin", up.url() + "/c/x/y?q=1&r"});
  Reply reply = split(r.out);
  for (const char* want :
       {"HTTP/1.1 201", "x-method: POST\r\n", "x-uri: /c/x/y?q=1&r\r\n", "x-path: /c/x/y\r\n",
        "x-query: q=1&r\r\n", "x-agent: c-agent\r\n", "x-path-info: /x/y\r\n",
        "x-missing: absent\r\n", "x-dup: 2\r\n", "x-empty: \r\n"}) {
    EXPECT_TRUE(has(reply.head, want)) << want << "\n" << reply.head;
  }
  EXPECT_TRUE(reply.body == body) << "the echoed body differs (" << reply.body.size() << " bytes)";
  r = curl({"-i", up.url() + "/c/plain"});
  EXPECT_TRUE(has(r.out, "HTTP/1.1 200")) << r.out;
  EXPECT_TRUE(has(r.out, "x-query: \r\n")) << r.out;
  EXPECT_EQ(split(r.out).body, "");
  r = curl({"-i", up.url() + "/c/teapot"});
  EXPECT_TRUE(has(r.out, "HTTP/1.1 418")) << r.out;
  EXPECT_EQ(split(r.out).body, "short and stout\n");
}

// The documented one-line compile of the hello component: it is small and serves.
TEST(Sdk, OneLineCompileGivesASmallServableHello) {
  std::string dir = temp_dir("sdk-one-line");
  write_file(dir + "/hello.cpp", R"(#include <spindle/http.hpp>

spindle::Response handle(const spindle::Request& req) {
  return spindle::Response(200).header("content-type", "text/plain").body("hello\n");
}

SPINDLE_HTTP_COMPONENT(handle)
)");
  Result c =
      run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-Oz", "-fno-exceptions",
                   "-mexec-model=reactor", "-I", (kRepo / "sdk/cpp/include").string(),
                   dir + "/hello.cpp", "-o", dir + "/hello.wasm", "-Wl,--strip-all"});
  ASSERT_EQ(c.status, 0) << c.err;
  auto size = fs::file_size(dir + "/hello.wasm");
  EXPECT_LE(size, 100u * 1024) << "hello.wasm is " << size << " bytes";
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "hello"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "hello"
source = "hello.wasm"
[component.trigger]
route = "/hello"
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/hello"}).out, "hello\n");
  // Without -fno-exceptions the SDK says what to do (instead of a link error).
  c = run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-mexec-model=reactor", "-I",
                   (kRepo / "sdk/cpp/include").string(), dir + "/hello.cpp", "-o",
                   dir + "/bad.wasm"});
  EXPECT_NE(c.status, 0);
  EXPECT_TRUE(has(c.err, "compile components with -fno-exceptions")) << c.err;
}

// sdk/cpp/wasm32-wasi.cmake: a CMake project (tests/sdk) with a static
// library, a C++ and a C component, configured with the toolchain file, built,
// and its modules served.
TEST(Sdk, CMakeToolchainFileBuildsServableComponents) {
  std::string dir = temp_dir("sdk-cmake");
  std::string build = dir + "/build";
  Result c = run_process({"cmake", "-G", "Ninja", "-S", (kRepo / "tests/sdk").string(), "-B", build,
                          "--toolchain", (kRepo / "sdk/cpp/wasm32-wasi.cmake").string(),
                          "-DCMAKE_BUILD_TYPE=MinSizeRel"});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  c = run_process({"cmake", "--build", build, "--verbose"});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_TRUE(has(c.out, "--target=wasm32-wasi")) << c.out;
  EXPECT_TRUE(has(c.out, "-fno-exceptions")) << c.out;
  EXPECT_TRUE(has(c.out, "-mexec-model=reactor")) << c.out;
  EXPECT_TRUE(has(c.out, "-Oz")) << c.out;
  EXPECT_FALSE(has(c.out, "-Os")) << c.out;
  EXPECT_TRUE(has(c.out, "llvm-ar")) << c.out;
  ASSERT_TRUE(fs::exists(build + "/hello.wasm"));
  ASSERT_TRUE(fs::exists(build + "/hello_c.wasm"));
  EXPECT_LE(fs::file_size(build + "/hello.wasm"), 100u * 1024);
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "cmake"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "cpp"
source = "build/hello.wasm"
[component.trigger]
route = "/cpp"

[[component]]
id = "c"
source = "build/hello_c.wasm"
[component.trigger]
route = "/c"
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/cpp?who=cmake"}).out, "hello, cmake\n");
  EXPECT_EQ(curl({up.url() + "/cpp"}).out, "hello, world\n");
  EXPECT_EQ(curl({up.url() + "/c"}).out, "hello from C\n");
}

}  // namespace

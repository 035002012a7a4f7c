// examples/static-fileserver end to end: the C++ component (built into
// guests/static_fileserver.wasm) served by a real `spindle up`, queried with
// curl.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSecret = "TOP-SECRET-do-not-serve";

// Four components over the same module: defaults at `/...`, settings from the
// environment at `/assets/...` and `/custom/...`, and a mount without 404.html
// at `/bare/...`.
constexpr const char* kManifest = R"(spin_manifest_version = "1"
name = "fileserver-test"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "site"
source = "fileserver.wasm"
files = [{ source = "public/", destination = "/" }]
[component.trigger]
route = "/..."

[[component]]
id = "assets"
source = "fileserver.wasm"
files = [{ source = "public/", destination = "/" }]
environment = { CACHE_CONTROL = "public, max-age=60", FALLBACK_PATH = "docs/index.html" }
[component.trigger]
route = "/assets/..."

[[component]]
id = "custom"
source = "fileserver.wasm"
files = [{ source = "public/", destination = "/" }]
environment = { CACHE_CONTROL = "", CUSTOM_404_PATH = "errors/missing.html" }
[component.trigger]
route = "/custom/..."

[[component]]
id = "bare"
source = "fileserver.wasm"
files = [{ source = "bare/", destination = "/" }]
[component.trigger]
route = "/bare/..."
)";

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// 3 MiB of pseudo-random bytes (NULs included).
std::string big_data() {
  std::string s(3 << 20, '\0');
  uint32_t x = 2463534242u;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

const std::vector<std::pair<std::string, std::string>> kTypes = {
    {"page.html", "text/html; charset=utf-8"},
    {"style.css", "text/css; charset=utf-8"},
    {"app.js", "text/javascript; charset=utf-8"},
    {"mod.mjs", "text/javascript; charset=utf-8"},
    {"data.json", "application/json; charset=utf-8"},
    {"app.js.map", "application/json; charset=utf-8"},
    {"pic.svg", "image/svg+xml; charset=utf-8"},
    {"notes.txt", "text/plain; charset=utf-8"},
    {"feed.xml", "application/xml; charset=utf-8"},
    {"readme.md", "text/markdown; charset=utf-8"},
    {"img.png", "image/png"},
    {"photo.jpg", "image/jpeg"},
    {"photo.JPEG", "image/jpeg"},
    {"anim.gif", "image/gif"},
    {"pic.webp", "image/webp"},
    {"favicon.ico", "image/x-icon"},
    {"mod.wasm", "application/wasm"},
    {"doc.pdf", "application/pdf"},
    {"font.woff", "font/woff"},
    {"font.woff2", "font/woff2"},
    {"blob.xyz", "application/octet-stream"},
    {"noext", "application/octet-stream"},
};

std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("static_fileserver"), dir + "/fileserver.wasm");
  write(dir + "/spin.toml", kManifest);
  write(dir + "/secret.txt", kSecret);  // beside spin.toml: outside every mount
  std::string pub = dir + "/public/";
  write(pub + "index.html", "<h1>home</h1>\n");
  write(pub + "docs/index.html", "<h1>docs</h1>\n");
  write(pub + "docs/guide.txt", "guide\n");
  write(pub + "empty/.keep", "");
  write(pub + "404.html", "<h1>custom 404</h1>\n");
  write(pub + "errors/missing.html", "<h1>missing (CUSTOM_404_PATH)</h1>\n");
  write(pub + "range.txt", "0123456789abcdefghij");
  write(pub + "a+b c.txt", "plus and space\n");
  write(pub + "big.bin", big_data());
  for (const auto& [file, type] : kTypes) write(pub + file, "content of " + file);
  write(dir + "/bare/hello.txt", "hello\n");
  return dir;
}

struct Http {
  int code = 0;
  std::map<std::string, std::vector<std::string>> headers;  // lowercase names
  std::string body;
  std::string raw_head;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
  }
  size_t count(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? 0 : it->second.size();
  }
};

// curl -i <args> <url>, split into status, headers and body.
Http fetch(const std::string& url, std::vector<std::string> args = {}) {
  args.insert(args.begin(), "-i");
  args.push_back(url);
  Result r = curl(args);
  Http h;
  auto end = r.out.find("\r\n\r\n");
  if (r.status != 0 || end == std::string::npos) {
    h.raw_head = "curl failed (" + std::to_string(r.status) + "): " + r.err;
    return h;
  }
  h.raw_head = r.out.substr(0, end);
  h.body = r.out.substr(end + 4);
  size_t pos = h.raw_head.find("\r\n");
  std::string status_line = h.raw_head.substr(0, pos);
  auto sp = status_line.find(' ');
  if (sp != std::string::npos) h.code = std::stoi(status_line.substr(sp + 1, 3));
  while (pos != std::string::npos) {
    size_t start = pos + 2;
    pos = h.raw_head.find("\r\n", start);
    std::string line = h.raw_head.substr(start, pos == std::string::npos ? pos : pos - start);
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    h.headers[name].push_back(value);
  }
  return h;
}

class FileServer : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = make_app(std::string("fileserver-") + info->name());
    up_ = std::make_unique<Up>(dir_);
    ASSERT_FALSE(up_->url().empty()) << up_->log();
  }
  std::string url(const std::string& path) const { return up_->url() + path; }

  std::string dir_;
  std::unique_ptr<Up> up_;
};

TEST_F(FileServer, ServesFilesWithContentTypesByExtension) {
  for (const auto& [file, type] : kTypes) {
    Http h = fetch(url("/" + file));
    EXPECT_EQ(h.code, 200) << file << "\n" << h.raw_head;
    EXPECT_EQ(h.header("content-type"), type) << file;
    EXPECT_EQ(h.body, "content of " + file);
    EXPECT_EQ(h.header("content-length"), std::to_string(h.body.size())) << file;
    EXPECT_EQ(h.header("accept-ranges"), "bytes") << file;
  }
  // The query string is not part of the file name.
  EXPECT_EQ(fetch(url("/style.css?v=3&x=..%2f..")).body, "content of style.css");
  // Percent-decoding of the path ('+' is a plus, not a space).
  Http h = fetch(url("/a+b%20c.txt"));
  EXPECT_EQ(h.code, 200) << h.raw_head;
  EXPECT_EQ(h.body, "plus and space\n");
}

TEST_F(FileServer, FoldersServeTheirIndexWithOrWithoutTrailingSlash) {
  for (const char* path : {"/", "/index.html"}) {
    Http h = fetch(url(path));
    EXPECT_EQ(h.code, 200) << path;
    EXPECT_EQ(h.body, "<h1>home</h1>\n") << path;
    EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8") << path;
  }
  for (const char* path : {"/docs/", "/docs", "/docs/index.html"}) {
    Http h = fetch(url(path));
    EXPECT_EQ(h.code, 200) << path;
    EXPECT_EQ(h.body, "<h1>docs</h1>\n") << path;
    EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8") << path;
  }
  // The path is taken from spin-path-info: under /assets/... too.
  EXPECT_EQ(fetch(url("/assets/docs/")).body, "<h1>docs</h1>\n");
  EXPECT_EQ(fetch(url("/assets")).body, "<h1>home</h1>\n");
  EXPECT_EQ(fetch(url("/assets/docs/guide.txt")).body, "guide\n");
  // A folder without index.html, and a file named as a folder.
  EXPECT_EQ(http_code({url("/empty/")}), "404");
  EXPECT_EQ(http_code({url("/style.css/")}), "404");
}

TEST_F(FileServer, MissingFilesGetTheCustomOrBuiltInNotFoundPage) {
  Http h = fetch(url("/no/such/file.css"));
  EXPECT_EQ(h.code, 404);
  EXPECT_EQ(h.body, "<h1>custom 404</h1>\n");  // public/404.html
  EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8");

  h = fetch(url("/custom/nothing-here"));
  EXPECT_EQ(h.code, 404);
  EXPECT_EQ(h.body, "<h1>missing (CUSTOM_404_PATH)</h1>\n");

  h = fetch(url("/bare/nothing-here"));  // no 404.html in that mount
  EXPECT_EQ(h.code, 404);
  EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(h.body.find("<title>404 Not Found</title>"), std::string::npos) << h.body;
  EXPECT_EQ(fetch(url("/bare/hello.txt")).body, "hello\n");
  EXPECT_EQ(http_code({url("/bare/")}), "404");  // no index.html either
}

TEST_F(FileServer, FallbackPathServesAFileForMissingPaths) {
  Http h = fetch(url("/assets/app/route/42"));
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.body, "<h1>docs</h1>\n");
  EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8");
  // Existing files still win.
  EXPECT_EQ(fetch(url("/assets/range.txt")).body, "0123456789abcdefghij");
  // The fallback never turns a refused path into a 200.
  EXPECT_EQ(http_code({"--path-as-is", url("/assets/../secret.txt")}), "400");
}

TEST_F(FileServer, HeadSendsTheHeadersOfGetWithoutABody) {
  for (const char* path : {"/style.css", "/", "/big.bin", "/no-such-file"}) {
    Http get = fetch(url(path));
    Http head = fetch(url(path), {"-I"});
    EXPECT_EQ(head.code, get.code) << path;
    EXPECT_TRUE(head.body.empty()) << path;
    EXPECT_EQ(head.count("content-length"), 1u) << path << "\n" << head.raw_head;
    EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size())) << path;
    for (const char* name :
         {"content-type", "etag", "last-modified", "cache-control", "accept-ranges"})
      EXPECT_EQ(head.header(name), get.header(name)) << path << " " << name;
  }
  Http head = fetch(url("/big.bin"), {"-I"});
  EXPECT_EQ(head.header("content-length"), std::to_string(3 << 20));
  // HEAD ignores Range (RFC 9110 14.2: ranges are defined for GET only).
  head = fetch(url("/range.txt"), {"-I", "-H", "Range: bytes=0-4"});
  EXPECT_EQ(head.code, 200);
  EXPECT_EQ(head.header("content-length"), "20");
  // Keep-alive survives a HEAD answer that announces a length: the second
  // request reuses the connection (no new connect) and gets its own answer.
  Result r = curl({"-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                   "-I", url("/big.bin"), url("/range.txt")});
  EXPECT_EQ(r.out, "200 1\n200 0\n") << r.err;
}

TEST_F(FileServer, EtagAndIfNoneMatchGiveNotModified) {
  Http h = fetch(url("/style.css"));
  ASSERT_EQ(h.code, 200);
  std::string etag = h.header("etag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_NE(etag.substr(0, 2), "W/");
  EXPECT_EQ(fetch(url("/style.css")).header("etag"), etag);  // stable
  EXPECT_NE(fetch(url("/app.js")).header("etag"), etag);     // per file
  EXPECT_EQ(fetch(url("/style.css"), {"-X", "HEAD", "-I"}).header("etag"), etag);
  // Last-Modified is an IMF-fixdate.
  std::string lm = h.header("last-modified");
  EXPECT_EQ(lm.size(), 29u) << lm;
  EXPECT_EQ(lm.substr(lm.size() - 4), " GMT") << lm;

  for (const std::string& inm : {etag, "\"nope\", " + etag, "W/" + etag, std::string("*")}) {
    Http n = fetch(url("/style.css"), {"-H", "If-None-Match: " + inm});
    EXPECT_EQ(n.code, 304) << inm;
    EXPECT_TRUE(n.body.empty()) << inm;
    EXPECT_EQ(n.header("etag"), etag) << inm;
    EXPECT_EQ(n.header("cache-control"), "no-cache") << inm;
  }
  EXPECT_EQ(fetch(url("/style.css"), {"-H", "If-None-Match: \"other\""}).code, 200);
  EXPECT_EQ(fetch(url("/style.css"), {"-I", "-H", "If-None-Match: " + etag}).code, 304);
  // If-Modified-Since (used only without If-None-Match).
  EXPECT_EQ(fetch(url("/style.css"), {"-H", "If-Modified-Since: " + lm}).code, 304);
  EXPECT_EQ(
      fetch(url("/style.css"), {"-H", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"}).code,
      200);
  EXPECT_EQ(
      fetch(url("/style.css"), {"-H", "If-None-Match: \"other\"", "-H", "If-Modified-Since: " + lm})
          .code,
      200);

  // A changed file gets a new tag (mtime and size are part of it). The mount
  // is staged at startup, so restart the server after the change.
  up_.reset();
  write(dir_ + "/public/style.css", "body { color: red; }\n");
  fs::last_write_time(dir_ + "/public/style.css",
                      fs::last_write_time(dir_ + "/public/style.css") + std::chrono::seconds(5));
  up_ = std::make_unique<Up>(dir_);
  ASSERT_FALSE(up_->url().empty()) << up_->log();
  Http changed = fetch(url("/style.css"), {"-H", "If-None-Match: " + etag});
  EXPECT_EQ(changed.code, 200);
  EXPECT_EQ(changed.body, "body { color: red; }\n");
  EXPECT_NE(changed.header("etag"), etag);
}

TEST_F(FileServer, RangesGivePartialContent) {
  struct Case {
    std::string range, body, content_range;
  };
  for (const Case& c : std::vector<Case>{
           {"bytes=0-4", "01234", "bytes 0-4/20"},
           {"bytes=15-", "fghij", "bytes 15-19/20"},
           {"bytes=-3", "hij", "bytes 17-19/20"},
           {"bytes=10-100", "abcdefghij", "bytes 10-19/20"},
           {"bytes=-50", "0123456789abcdefghij", "bytes 0-19/20"},
           {"bytes=19-19", "j", "bytes 19-19/20"},
       }) {
    Http h = fetch(url("/range.txt"), {"-H", "Range: " + c.range});
    EXPECT_EQ(h.code, 206) << c.range;
    EXPECT_EQ(h.body, c.body) << c.range;
    EXPECT_EQ(h.header("content-range"), c.content_range) << c.range;
    EXPECT_EQ(h.header("content-length"), std::to_string(c.body.size())) << c.range;
    EXPECT_EQ(h.header("content-type"), "text/plain; charset=utf-8") << c.range;
    EXPECT_FALSE(h.header("etag").empty()) << c.range;
  }
  for (const char* range : {"bytes=20-", "bytes=25-30", "bytes=-0"}) {
    Http h = fetch(url("/range.txt"), {"-H", std::string("Range: ") + range});
    EXPECT_EQ(h.code, 416) << range;
    EXPECT_EQ(h.header("content-range"), "bytes */20") << range;
  }
  // Several ranges, invalid ranges and other units: the whole file.
  for (const char* range : {"bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=x-y"}) {
    Http h = fetch(url("/range.txt"), {"-H", std::string("Range: ") + range});
    EXPECT_EQ(h.code, 200) << range;
    EXPECT_EQ(h.body, "0123456789abcdefghij") << range;
    EXPECT_EQ(h.count("content-range"), 0u) << range;
  }
  // If-Range: a current validator keeps the range, a stale one drops it.
  std::string etag = fetch(url("/range.txt")).header("etag");
  Http h = fetch(url("/range.txt"), {"-H", "Range: bytes=0-1", "-H", "If-Range: " + etag});
  EXPECT_EQ(h.code, 206);
  EXPECT_EQ(h.body, "01");
  h = fetch(url("/range.txt"), {"-H", "Range: bytes=0-1", "-H", "If-Range: \"stale\""});
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.body, "0123456789abcdefghij");
  // If-None-Match is evaluated before Range.
  EXPECT_EQ(
      fetch(url("/range.txt"), {"-H", "Range: bytes=0-1", "-H", "If-None-Match: " + etag}).code,
      304);
}

TEST_F(FileServer, CacheControlComesFromTheEnvironment) {
  Http h = fetch(url("/style.css"));
  EXPECT_EQ(h.header("cache-control"), "no-cache");  // the default
  h = fetch(url("/assets/style.css"));
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.header("cache-control"), "public, max-age=60");
  h = fetch(url("/assets/range.txt"), {"-H", "Range: bytes=0-0"});
  EXPECT_EQ(h.code, 206);
  EXPECT_EQ(h.header("cache-control"), "public, max-age=60");
  h = fetch(url("/custom/style.css"));  // CACHE_CONTROL = "": no header
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.count("cache-control"), 0u) << h.raw_head;
}

TEST_F(FileServer, OnlyGetAndHeadAreAllowed) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    Http h = fetch(url("/style.css"), {"-X", method, "-d", "x"});
    EXPECT_EQ(h.code, 405) << method;
    EXPECT_EQ(h.header("allow"), "GET, HEAD") << method;
  }
}

TEST_F(FileServer, NeverServesAFileOutsideTheMount) {
  // Sanity: the secret is there, beside spin.toml.
  ASSERT_EQ(slurp(dir_ + "/secret.txt"), kSecret);
  const std::vector<std::string> refused = {
      "/../secret.txt",
      "/docs/../../secret.txt",
      "/docs/..",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/.%2e/secret.txt",
      "/%2e./secret.txt",
      "/..%2fsecret.txt",
      "/..%2Fsecret.txt",
      "/%2f..%2fsecret.txt",
      "/docs/..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/%5c..%5csecret.txt",
      "/docs%5cindex.html",
      "/index.html%00.txt",
      "/%00",
      "/assets/../secret.txt",
      "/assets/%2e%2e/secret.txt",
      "/bare/%2e%2e/secret.txt",
  };
  for (const std::string& path : refused) {
    Http h = fetch(url(path), {"--path-as-is"});
    EXPECT_EQ(h.code, 400) << path << "\n" << h.raw_head;
    EXPECT_EQ(h.body.find(kSecret), std::string::npos) << path;
  }
  // Absolute paths and double slashes stay inside the mount.
  struct Case {
    std::string path;
    int code;
    std::string body;
  };
  for (const Case& c : std::vector<Case>{
           {"//style.css", 200, "content of style.css"},
           {"/docs//guide.txt", 200, "guide\n"},
           {"/%2fstyle.css", 200, "content of style.css"},
           {"/docs%2fguide.txt", 200, "guide\n"},
           {"/./docs/./guide.txt", 200, "guide\n"},
           {"/%2fsecret.txt", 404, "<h1>custom 404</h1>\n"},
           {"//secret.txt", 404, "<h1>custom 404</h1>\n"},
       }) {
    Http h = fetch(url(c.path), {"--path-as-is"});
    EXPECT_EQ(h.code, c.code) << c.path << "\n" << h.raw_head;
    EXPECT_EQ(h.body, c.body) << c.path;
  }
}

TEST_F(FileServer, ServesALargeFileByteForByte) {
  std::string want = big_data();
  Result r = curl({"-o", dir_ + "/downloaded.bin", "-w", "%{http_code}", url("/big.bin")});
  EXPECT_EQ(r.out, "200") << r.err;
  std::string got = slurp(dir_ + "/downloaded.bin");
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  // A slice from the middle.
  Http h = fetch(url("/big.bin"), {"-H", "Range: bytes=1048576-1049599"});
  EXPECT_EQ(h.code, 206);
  EXPECT_EQ(h.header("content-range"), "bytes 1048576-1049599/3145728");
  EXPECT_TRUE(h.body == want.substr(1048576, 1024));
  EXPECT_EQ(h.header("content-type"), "application/octet-stream");
}

// The example as shipped: examples/static-fileserver's spin.toml and public/,
// with the built module at target/fileserver.wasm.
TEST(FileServerExample, ServesItsPublicFolder) {
  // This file is tests/integration/fileserver_test.cpp of the source tree.
  const fs::path source = fs::path(__FILE__).parent_path().parent_path().parent_path();
  const fs::path example = source / "examples" / "static-fileserver";
  ASSERT_TRUE(fs::exists(example / "spin.toml")) << example;
  std::string dir = temp_dir("fileserver-example");
  fs::copy_file(example / "spin.toml", dir + "/spin.toml");
  fs::copy(example / "public", dir + "/public", fs::copy_options::recursive);
  fs::create_directories(dir + "/target");
  fs::copy_file(guest("static_fileserver"), dir + "/target/fileserver.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Http h = fetch(up.url() + "/");
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.body, slurp((example / "public" / "index.html").string()));
  EXPECT_EQ(h.header("content-type"), "text/html; charset=utf-8");
  h = fetch(up.url() + "/docs");
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.body, slurp((example / "public" / "docs" / "index.html").string()));
  h = fetch(up.url() + "/style.css");
  EXPECT_EQ(h.header("content-type"), "text/css; charset=utf-8");
  h = fetch(up.url() + "/missing");
  EXPECT_EQ(h.code, 404);
  EXPECT_EQ(h.body, slurp((example / "public" / "404.html").string()));
}

}  // namespace

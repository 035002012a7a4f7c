// static-fileserver: serves the component's `files` mount (guest `/`) over HTTP.
//
// Modelled on Spin's spin-fileserver: the file is the url-decoded
// `spin-path-info` (the request path after the matched route), folders serve
// their index.html, and a missing file gets FALLBACK_PATH (SPA style) or a
// 404 page (CUSTOM_404_PATH, default /404.html, else a built-in page).
// GET and HEAD only; strong ETags (size + mtime) with If-None-Match, and
// Last-Modified with If-Modified-Since, answer 304; single byte ranges answer
// 206 (If-Range is honoured), unsatisfiable ones 416, several ranges the whole
// file. Environment: CACHE_CONTROL (default "no-cache"), FALLBACK_PATH,
// CUSTOM_404_PATH.
//
// A request can never leave the mount: paths with `..` segments (after
// decoding), NUL bytes or backslashes are refused with 400 before any file is
// touched, and the WASI sandbox refuses escapes on its own as well.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <spindle/http.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using spindle::Method;
using spindle::Request;
using spindle::Response;

// ---- configuration (the component's environment) ---------------------------

struct Config {
  std::string cache_control = "no-cache";
  std::string fallback;  // "" = none
  std::string not_found = "/404.html";
};

const Config& config() {
  static const Config c = [] {
    Config c;
    if (const char* v = std::getenv("CACHE_CONTROL")) c.cache_control = v;
    if (const char* v = std::getenv("FALLBACK_PATH")) c.fallback = v;
    if (const char* v = std::getenv("CUSTOM_404_PATH")) c.not_found = v;
    return c;
  }();
  return c;
}

// ---- small string helpers --------------------------------------------------

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` on each trimmed, non-empty element of a comma-separated list.
template <class F>
void for_each_item(std::string_view list, F f) {
  while (true) {
    auto comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// A run of decimal digits (no sign, no overflow past 2^63).
std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string hex(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return out;
}

// ---- content types ---------------------------------------------------------

std::string content_type(std::string_view path) {
  struct Type {
    std::string_view ext, type;
    bool text;
  };
  static constexpr Type kTypes[] = {
      {"html", "text/html", true},         {"htm", "text/html", true},
      {"css", "text/css", true},           {"js", "text/javascript", true},
      {"mjs", "text/javascript", true},    {"json", "application/json", true},
      {"map", "application/json", true},   {"webmanifest", "application/manifest+json", true},
      {"txt", "text/plain", true},         {"md", "text/markdown", true},
      {"csv", "text/csv", true},           {"xml", "application/xml", true},
      {"svg", "image/svg+xml", true},      {"png", "image/png", false},
      {"jpg", "image/jpeg", false},        {"jpeg", "image/jpeg", false},
      {"gif", "image/gif", false},         {"webp", "image/webp", false},
      {"avif", "image/avif", false},       {"ico", "image/x-icon", false},
      {"wasm", "application/wasm", false}, {"pdf", "application/pdf", false},
      {"woff", "font/woff", false},        {"woff2", "font/woff2", false},
      {"ttf", "font/ttf", false},          {"otf", "font/otf", false},
      {"mp4", "video/mp4", false},         {"webm", "video/webm", false},
      {"mp3", "audio/mpeg", false},        {"ogg", "audio/ogg", false},
      {"zip", "application/zip", false},   {"gz", "application/gzip", false},
  };
  auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    std::string_view ext = name.substr(dot + 1);
    for (const Type& t : kTypes)
      if (iequals(ext, t.ext)) return std::string(t.type) + (t.text ? "; charset=utf-8" : "");
  }
  return "application/octet-stream";
}

// ---- HTTP dates (IMF-fixdate, always GMT) ----------------------------------

constexpr std::string_view kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

std::string two(unsigned v) {
  return {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
}

std::string http_date(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  auto secs = static_cast<unsigned>(t - days * 86400);
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  std::string out(kDays[((days % 7) + 7) % 7]);
  out += ", " + two(d) + " " + std::string(kMonths[m - 1]) + " " + std::to_string(y) + " " +
         two(secs / 3600) + ":" + two(secs / 60 % 60) + ":" + two(secs % 60) + " GMT";
  return out;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" -> seconds since the epoch.
std::optional<int64_t> parse_http_date(std::string_view s) {
  s = trim(s);
  if (s.size() != 29 || s[3] != ',' || s.substr(25) != " GMT") return std::nullopt;
  auto num = [&](size_t at, size_t n) { return parse_u64(s.substr(at, n)); };
  auto d = num(5, 2), y = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  if (!d || !y || !hh || !mm || !ss || s[16] != ' ' || s[19] != ':' || s[22] != ':')
    return std::nullopt;
  unsigned m = 0;
  for (unsigned i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) m = i + 1;
  if (!m || *hh > 23 || *mm > 59 || *ss > 60 || *d < 1 || *d > 31) return std::nullopt;
  return days_from_civil(static_cast<int64_t>(*y), m, static_cast<unsigned>(*d)) * 86400 +
         static_cast<int64_t>(*hh * 3600 + *mm * 60 + *ss);
}

// ---- paths -----------------------------------------------------------------

// The request path as a clean absolute guest path ("/", "/a/b"), or nullopt
// when it must be refused: a `..` segment, a NUL byte or a backslash after
// percent-decoding. Empty and `.` segments (double slashes) are dropped.
// `trailing_slash` tells whether the request named a folder ("/docs/").
std::optional<std::string> clean_path(std::string_view raw, bool& trailing_slash) {
  std::string decoded = spindle::url_decode(raw, /*plus_is_space=*/false);
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos)
    return std::nullopt;
  trailing_slash = !decoded.empty() && decoded.back() == '/';
  std::string out;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") return std::nullopt;
    out += '/';
    out += seg;
  }
  return out.empty() ? "/" : out;
}

// ---- files -----------------------------------------------------------------

struct File {
  int fd = -1;
  uint64_t size = 0;
  int64_t mtime_sec = 0;
  uint64_t mtime_ns = 0;
  std::string path;  // the guest path actually opened (for the content type)

  File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  File(File&& o) noexcept { *this = std::move(o); }
  File& operator=(File&& o) noexcept {
    std::swap(fd, o.fd);
    size = o.size;
    mtime_sec = o.mtime_sec;
    mtime_ns = o.mtime_ns;
    path = std::move(o.path);
    return *this;
  }
  ~File() {
    if (fd >= 0) close(fd);
  }

  std::string etag() const { return "\"" + hex(size) + "-" + hex(mtime_ns) + "\""; }
  std::string last_modified() const { return http_date(mtime_sec); }

  // `len` bytes from `offset`; nullopt on a read error.
  std::optional<std::string> read_range(uint64_t offset, uint64_t len) const {
    std::string buf(static_cast<size_t>(len), '\0');
    size_t done = 0;
    while (done < buf.size()) {
      ssize_t n =
          pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) return std::nullopt;
      if (n == 0) break;  // the file shrank: send what there is
      done += static_cast<size_t>(n);
    }
    buf.resize(done);
    return buf;
  }
};

// Opens the regular file at guest path `path`.
std::optional<File> open_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::nullopt;
  File f;
  f.fd = fd;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_sec = static_cast<int64_t>(st.st_mtim.tv_sec);
  f.mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000u +
               static_cast<uint64_t>(st.st_mtim.tv_nsec);
  f.path = path;
  return f;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The file a clean request path names: itself, or a folder's index.html.
std::optional<File> resolve(const std::string& path, bool trailing_slash) {
  if (is_dir(path)) return open_file(path == "/" ? "/index.html" : path + "/index.html");
  if (trailing_slash) return std::nullopt;  // "/style.css/" names no folder
  return open_file(path);
}

// ---- responses -------------------------------------------------------------

constexpr std::string_view kNotFoundPage =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\n"
    "<body><h1>404 Not Found</h1><p>The requested page does not exist.</p></body></html>\n";

Response not_found() {
  const Config& c = config();
  bool slash = false;
  if (auto p = clean_path(c.not_found, slash)) {
    if (auto f = open_file(*p)) {
      if (auto body = f->read_range(0, f->size))
        return Response(404).header("content-type", content_type(f->path)).body(std::move(*body));
    }
  }
  return Response(404)
      .header("content-type", "text/html; charset=utf-8")
      .body(std::string(kNotFoundPage));
}

Response bad_request() { return Response::text("Bad Request\n", 400); }

// Does the If-None-Match list match `etag` (weak comparison)?
bool none_match(std::string_view list, const std::string& etag) {
  bool hit = false;
  for_each_item(list, [&](std::string_view tag) {
    if (tag == "*") hit = true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) hit = true;
  });
  return hit;
}

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
};

enum class RangeKind { Ignore, Partial, Unsatisfiable };

// Parses a Range header against a file of `size` bytes. Anything but a single
// well-formed `bytes=` range is ignored (the whole file is served).
RangeKind parse_range(std::string_view header, uint64_t size, ByteRange& out) {
  header = trim(header);
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes"))
    return RangeKind::Ignore;
  std::string_view spec = trim(header.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return RangeKind::Ignore;  // several ranges
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeKind::Ignore;
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last n bytes
    auto n = parse_u64(b);
    if (!n) return RangeKind::Ignore;
    if (*n == 0 || size == 0) return RangeKind::Unsatisfiable;
    out.first = *n >= size ? 0 : size - *n;
    out.last = size - 1;
    return RangeKind::Partial;
  }
  auto first = parse_u64(a);
  if (!first) return RangeKind::Ignore;
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = parse_u64(b);
    if (!last || *last < *first) return RangeKind::Ignore;  // invalid: ignore the header
  }
  if (*first >= size) return RangeKind::Unsatisfiable;
  out.first = *first;
  out.last = last && *last < size ? *last : size - 1;
  return RangeKind::Partial;
}

// The response for an existing file, with GET semantics (handle() drops the
// body for HEAD).
Response serve_file(const Request& req, const File& f) {
  const Config& c = config();
  const std::string etag = f.etag(), modified = f.last_modified();
  auto with_validators = [&](Response r) {
    r.header("etag", etag).header("last-modified", modified);
    if (!c.cache_control.empty()) r.header("cache-control", c.cache_control);
    return r;
  };

  // Conditionals: If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  if (auto inm = req.header("if-none-match")) {
    if (none_match(*inm, etag)) return with_validators(Response(304));
  } else if (auto ims = req.header("if-modified-since")) {
    auto since = parse_http_date(*ims);
    if (since && f.mtime_sec <= *since) return with_validators(Response(304));
  }

  Response r = with_validators(Response(200));
  r.header("content-type", content_type(f.path)).header("accept-ranges", "bytes");

  // Ranges apply to GET only; If-Range must match the current validator.
  auto range = req.method() == Method::Get ? req.header("range") : std::nullopt;
  if (range) {
    if (auto if_range = req.header("if-range")) {
      std::string_view v = trim(*if_range);
      if (v != etag && v != modified) range.reset();
    }
  }
  ByteRange br;
  switch (range ? parse_range(*range, f.size, br) : RangeKind::Ignore) {
    case RangeKind::Unsatisfiable:
      return r.status(416)
          .header("content-range", "bytes */" + std::to_string(f.size))
          .body("Range Not Satisfiable\n");
    case RangeKind::Partial: {
      auto body = f.read_range(br.first, br.last - br.first + 1);
      if (!body) return Response::text("Internal Server Error\n", 500);
      return r.status(206)
          .header("content-range", "bytes " + std::to_string(br.first) + "-" +
                                       std::to_string(br.last) + "/" + std::to_string(f.size))
          .body(std::move(*body));
    }
    case RangeKind::Ignore:
      break;
  }
  auto body = f.read_range(0, f.size);
  if (!body) return Response::text("Internal Server Error\n", 500);
  return r.body(std::move(*body));
}

Response respond(const Request& req) {
  if (req.method() != Method::Get && req.method() != Method::Head)
    return Response::text("Method Not Allowed\n", 405).header("allow", "GET, HEAD");

  // Under Spin (and spindle) spin-path-info is always there; req.path() is
  // only a fallback for hosts that do not send it.
  std::string_view raw = req.header("spin-path-info") ? req.path_info() : req.path();
  bool trailing_slash = false;
  auto path = clean_path(raw, trailing_slash);
  if (!path) return bad_request();

  if (auto f = resolve(*path, trailing_slash)) return serve_file(req, *f);
  const Config& c = config();
  if (!c.fallback.empty()) {
    bool slash = false;
    if (auto p = clean_path(c.fallback, slash))
      if (auto f = open_file(*p)) return serve_file(req, *f);
  }
  return not_found();
}

// HEAD: the headers GET would send, with its content-length, and no body.
Response handle(const Request& req) {
  Response r = respond(req);
  if (req.method() == Method::Head && !r.body().empty()) {
    r.header("content-length", std::to_string(r.body().size()));
    r.body(std::string());
  }
  return r;
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

// The site's likes service: a Spin HTTP component (C++ SDK) at /likes/...
//
//   POST /likes/token            -> 200 {"token": "<HS256 JWT>", "visitor": "<id>", "expires": t}
//   GET  /likes?page=/posts/x    -> 200 {"page": "/posts/x", "likes": N, "liked": bool}
//   POST /likes {"page": "/posts/x"} with Authorization: Bearer <token>
//                                -> 200 {"page", "likes", "liked": true}  (counted)
//                                -> 409 {"error", "page", "likes", "liked": true}  (already liked)
//
// Errors are JSON {"error": "..."}: 400 bad request (malformed JSON, no page,
// not a path), 401 no/invalid/expired token, 404 page not in the sitemap or
// unknown endpoint, 405 wrong method, 500 JWT_SECRET unset, 502 the sitemap
// cannot be fetched, 503 the store failed.
//
// Settings (the component's environment, from spin.toml's variables):
//   JWT_SECRET             HMAC key of the tokens (required)
//   REDIS_ADDRESS          redis://host:port to keep likes in Redis; empty:
//                          the key-value store `default`
//   REDIS_CHANNEL          where each like is published (Redis only; "messages")
//   SITEMAP_URL            where the sitemap is fetched: "/sitemap.xml" (the app
//                          itself, `self`) or an http(s) URL of an allowed host
//   SITEMAP_CACHE_SECONDS  how long a fetched sitemap is trusted (60; 0: always fetch)
//   TOKEN_TTL_SECONDS      token lifetime (2592000 = 30 days)
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <spindle/http.hpp>
#include <spindle/outbound_http.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "crypto.hpp"
#include "json_reader.hpp"
#include "jwt.hpp"
#include "sitemap.hpp"
#include "store.hpp"

namespace {

using spindle::Request;
using spindle::Response;
namespace json = spindle::json;

constexpr size_t kMaxPageLength = 200;  // keeps every store key under 255 bytes
constexpr std::string_view kSitemapCacheKey = "likes:sitemap";

std::string env(const char* name, std::string_view fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

int64_t env_int(const char* name, int64_t fallback) {
  std::string v = env(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  return end && *end == '\0' && n >= 0 ? n : fallback;
}

struct Config {
  std::string jwt_secret = env("JWT_SECRET");
  std::string redis_address = env("REDIS_ADDRESS");
  std::string redis_channel = env("REDIS_CHANNEL", "messages");
  std::string sitemap_url = env("SITEMAP_URL", "/sitemap.xml");
  int64_t sitemap_cache_seconds = env_int("SITEMAP_CACHE_SECONDS", 60);
  int64_t token_ttl_seconds = env_int("TOKEN_TTL_SECONDS", 30 * 24 * 3600);
};

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

Response json_response(uint16_t status, const json::Object& body) {
  return Response::json(body, status).header("cache-control", "no-store");
}

Response error(uint16_t status, std::string_view message) {
  return json_response(status, json::Object().add("error", message));
}

Response unauthorized(std::string_view message) {
  return error(401, message)
      .header("www-authenticate", R"(Bearer realm="likes", error="invalid_token")");
}

Response method_not_allowed(std::string_view allow) {
  return error(405, "method not allowed; use " + std::string(allow)).header("allow", allow);
}

// 32 hex digits from the WASI random source.
std::string random_id() {
  unsigned char bytes[16];
  if (getentropy(bytes, sizeof bytes) != 0) arc4random_buf(bytes, sizeof bytes);
  return likes::crypto::hex(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

bool valid_visitor(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The store for this request: Redis when REDIS_ADDRESS is set, else the
// key-value store `default`.
spindle::Result<std::unique_ptr<likes::Store>> open_store(const Config& cfg) {
  if (!cfg.redis_address.empty()) {
    return std::unique_ptr<likes::Store>(
        new likes::RedisStore(cfg.redis_address, cfg.redis_channel));
  }
  return likes::KvStore::open("default");
}

Response store_failed(const likes::Store* store, const spindle::Error& e) {
  std::string which = store ? std::string(store->name()) : "the";
  std::fprintf(stderr, "likes: %s store failed: %s\n", which.c_str(), e.describe().c_str());
  return error(503, which + " store failed: " + e.describe());
}

// The sitemap's pages, from the store's cache when it is younger than
// SITEMAP_CACHE_SECONDS, else fetched over outbound HTTP (and cached). The
// cache value is "<fetched at, unix seconds>\n<url>\n<page>\n<page>...".
// When a fetch fails, an older cached copy for the same URL is used.
spindle::Result<std::vector<std::string>> sitemap_pages(likes::Store& store, const Config& cfg) {
  std::optional<std::vector<std::string>> stale;
  int64_t t = now();
  if (cfg.sitemap_cache_seconds > 0) {
    auto cached = store.cache_get(std::string(kSitemapCacheKey));
    if (cached && *cached) {
      std::string_view v = **cached;
      size_t nl1 = v.find('\n');
      size_t nl2 = nl1 == std::string_view::npos ? nl1 : v.find('\n', nl1 + 1);
      if (nl2 != std::string_view::npos && v.substr(nl1 + 1, nl2 - nl1 - 1) == cfg.sitemap_url) {
        int64_t fetched = likes::parse_count(v.substr(0, nl1));
        std::vector<std::string> pages;
        std::string_view rest = v.substr(nl2 + 1);
        while (!rest.empty()) {
          size_t nl = rest.find('\n');
          pages.emplace_back(rest.substr(0, nl));
          rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        if (fetched <= t && t - fetched < cfg.sitemap_cache_seconds) return pages;
        stale = std::move(pages);
      }
    }
  }
  auto res = spindle::http::get(cfg.sitemap_url);
  std::string problem;
  if (!res) {
    problem = res.error().describe();
  } else if (res->status != 200) {
    problem = "status " + std::to_string(res->status);
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "likes: cannot fetch the sitemap %s: %s%s\n", cfg.sitemap_url.c_str(),
                 problem.c_str(), stale ? " (using the cached copy)" : "");
    if (stale) return std::move(*stale);
    return spindle::Error(spindle::ErrorKind::Io,
                          "cannot fetch the sitemap " + cfg.sitemap_url + ": " + problem);
  }
  std::vector<std::string> pages = likes::sitemap::pages(res->body);
  if (cfg.sitemap_cache_seconds > 0) {
    std::string value = std::to_string(t) + "\n" + cfg.sitemap_url;
    for (const auto& p : pages) value += "\n" + p;
    if (auto r = store.cache_set(std::string(kSitemapCacheKey), value); !r) {
      std::fprintf(stderr, "likes: cannot cache the sitemap: %s\n", r.error().describe().c_str());
    }
  }
  return pages;
}

// nullopt when `page` is fine; else the response to send.
std::optional<Response> check_page(likes::Store& store, const Config& cfg, std::string_view raw,
                                   std::string& page) {
  page = likes::sitemap::normalize(raw);
  if (page.empty()) return error(400, "page must be a path like /posts/hello/");
  if (page.size() > kMaxPageLength) return error(400, "page is too long");
  auto pages = sitemap_pages(store, cfg);
  if (!pages) return error(502, pages.error().message);
  if (std::find(pages->begin(), pages->end(), page) == pages->end()) {
    return error(404, "page " + page + " is not in the site's sitemap.xml, so it cannot be liked");
  }
  return std::nullopt;
}

// The visitor id of a valid bearer token, or the 401 to send.
std::optional<std::string> bearer_visitor(const Request& req, const Config& cfg,
                                          std::string& problem) {
  auto header = req.header("authorization");
  if (!header) {
    problem = "missing Authorization: Bearer <token> (get one with POST /likes/token)";
    return std::nullopt;
  }
  std::string_view h = *header;
  if (h.size() < 7 || !std::equal(h.begin(), h.begin() + 7, "bearer ",
                                  [](char a, char b) { return (a | 0x20) == b; })) {
    problem = "the Authorization header must be `Bearer <token>`";
    return std::nullopt;
  }
  std::string_view token = h.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  likes::jwt::Verified v = likes::jwt::verify(token, cfg.jwt_secret, now());
  if (v.status != likes::jwt::Status::Valid) {
    problem = std::string(likes::jwt::describe(v.status));
    return std::nullopt;
  }
  if (!v.claims.exp) {
    problem = "the token has no expiry";
    return std::nullopt;
  }
  if (!v.claims.sub || !valid_visitor(*v.claims.sub)) {
    problem = "the token has no visitor id";
    return std::nullopt;
  }
  return *v.claims.sub;
}

Response issue_token(const Config& cfg) {
  std::string visitor = random_id();
  int64_t iat = now();
  int64_t exp = iat + cfg.token_ttl_seconds;
  std::string payload = json::Object().add("sub", visitor).add("iat", iat).add("exp", exp).str();
  std::string token = likes::jwt::sign(payload, cfg.jwt_secret);
  return json_response(
      200, json::Object().add("token", token).add("visitor", visitor).add("expires", exp));
}

Response get_likes(const Request& req, const Config& cfg) {
  auto raw = req.query_param("page");
  if (!raw) return error(400, "missing ?page=/path/of/the/page");
  auto store = open_store(cfg);
  if (!store) return store_failed(nullptr, store.error());
  std::string page;
  if (auto bad = check_page(**store, cfg, *raw, page)) return std::move(*bad);
  auto n = (*store)->likes(page);
  if (!n) return store_failed(store->get(), n.error());
  bool liked = false;
  std::string problem;
  if (req.header("authorization")) {
    if (auto visitor = bearer_visitor(req, cfg, problem)) {
      auto l = (*store)->liked(page, *visitor);
      if (!l) return store_failed(store->get(), l.error());
      liked = *l;
    }
  }
  return json_response(200, json::Object().add("page", page).add("likes", *n).add("liked", liked));
}

Response post_like(const Request& req, const Config& cfg) {
  std::string problem;
  auto visitor = bearer_visitor(req, cfg, problem);
  if (!visitor) return unauthorized(problem);
  likes::json::Reader reader(req.body());
  auto body = reader.read_object();
  if (!body) return error(400, "the body is not a JSON object: " + reader.error());
  auto raw = body->string("page");
  if (!raw) return error(400, R"(the body must have a string member "page")");
  auto store = open_store(cfg);
  if (!store) return store_failed(nullptr, store.error());
  std::string page;
  if (auto bad = check_page(**store, cfg, *raw, page)) return std::move(*bad);
  auto outcome = (*store)->like(page, *visitor);
  if (!outcome) return store_failed(store->get(), outcome.error());
  json::Object out;
  if (!outcome->added) out.add("error", "already liked: one like per visitor and page");
  out.add("page", page).add("likes", outcome->likes).add("liked", true);
  return json_response(outcome->added ? 200 : 409, out);
}

Response handle(const Request& req) {
  Config cfg;
  std::string_view sub = req.path_info();
  while (sub.size() > 1 && sub.back() == '/') sub.remove_suffix(1);
  if (cfg.jwt_secret.empty()) {
    std::fprintf(stderr, "likes: JWT_SECRET is empty; set the variable jwt_secret\n");
    return error(500, "the likes service has no JWT_SECRET");
  }
  if (sub == "/token") {
    if (req.method() != spindle::Method::Post) return method_not_allowed("POST");
    return issue_token(cfg);
  }
  if (!sub.empty() && sub != "/") return error(404, "no such endpoint: /likes" + std::string(sub));
  switch (req.method()) {
    case spindle::Method::Get:
    case spindle::Method::Head:
      return get_likes(req, cfg);
    case spindle::Method::Post:
      return post_like(req, cfg);
    default:
      return method_not_allowed("GET, POST");
  }
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

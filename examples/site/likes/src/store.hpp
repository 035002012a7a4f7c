// Where the likes live, behind one small interface with two backends:
//
//   KvStore     spindle's key-value store `default` (SQLite under .spin/ unless
//               the runtime config maps it elsewhere): the embedded default.
//     likes:<page>                  the count, as decimal text
//     liked:<page>:<visitor>        "1" once that visitor liked that page
//   RedisStore  a Redis server (REDIS_ADDRESS), through outbound Redis:
//     likes:<page>                  the count
//     likers:<page>                 the set of visitor ids (one EVAL adds
//                                   the visitor and counts, atomically)
//               and each new like is PUBLISHed on REDIS_CHANNEL as
//               {"page": ..., "likes": N, "visitor": ...}.
//
// Both also keep the sitemap cache under `likes:sitemap` (see main.cpp).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <spindle/json.hpp>
#include <spindle/kv.hpp>
#include <spindle/redis.hpp>
#include <spindle/result.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace likes {

struct LikeOutcome {
  bool added = false;  // false: this visitor had liked the page already
  int64_t likes = 0;   // the count afterwards
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view name() const = 0;
  virtual spindle::Result<int64_t> likes(const std::string& page) = 0;
  virtual spindle::Result<bool> liked(const std::string& page, const std::string& visitor) = 0;
  // Adds the visitor's like unless there is one already.
  virtual spindle::Result<LikeOutcome> like(const std::string& page,
                                            const std::string& visitor) = 0;
  virtual spindle::Result<std::optional<std::string>> cache_get(const std::string& key) = 0;
  virtual spindle::Result<void> cache_set(const std::string& key, const std::string& value) = 0;
};

// "123" -> 123; anything else (including "") -> 0.
inline int64_t parse_count(std::string_view s) {
  int64_t n = 0;
  if (s.empty() || s.size() > 18) return 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

class KvStore final : public Store {
 public:
  explicit KvStore(spindle::kv::Store store) : store_(std::move(store)) {}

  static spindle::Result<std::unique_ptr<Store>> open(std::string_view label = "default") {
    auto s = spindle::kv::Store::open(label);
    if (!s) return s.error();
    return std::unique_ptr<Store>(new KvStore(std::move(*s)));
  }

  std::string_view name() const override { return "key-value"; }

  spindle::Result<int64_t> likes(const std::string& page) override {
    auto v = store_.get("likes:" + page);
    if (!v) return v.error();
    return parse_count(v->value_or("0"));
  }

  spindle::Result<bool> liked(const std::string& page, const std::string& visitor) override {
    return store_.exists(marker(page, visitor));
  }

  // Not atomic across concurrent requests (the key-value interface has no
  // transactions): two likes of one page at the same instant may count once.
  spindle::Result<LikeOutcome> like(const std::string& page, const std::string& visitor) override {
    auto had = liked(page, visitor);
    if (!had) return had.error();
    auto n = likes(page);
    if (!n) return n.error();
    if (*had) return LikeOutcome{false, *n};
    if (auto r = store_.set(marker(page, visitor), "1"); !r) return r.error();
    if (auto r = store_.set("likes:" + page, std::to_string(*n + 1)); !r) return r.error();
    return LikeOutcome{true, *n + 1};
  }

  spindle::Result<std::optional<std::string>> cache_get(const std::string& key) override {
    return store_.get(key);
  }

  spindle::Result<void> cache_set(const std::string& key, const std::string& value) override {
    return store_.set(key, value);
  }

 private:
  static std::string marker(const std::string& page, const std::string& visitor) {
    return "liked:" + page + ":" + visitor;
  }
  spindle::kv::Store store_;
};

class RedisStore final : public Store {
 public:
  RedisStore(std::string address, std::string channel)
      : redis_(address), channel_(std::move(channel)) {}

  std::string_view name() const override { return "redis"; }

  spindle::Result<int64_t> likes(const std::string& page) override {
    auto v = redis_.get("likes:" + page);  // "" when missing
    if (!v) return v.error();
    return parse_count(as_text(*v));
  }

  spindle::Result<bool> liked(const std::string& page, const std::string& visitor) override {
    std::string key = "likers:" + page;
    auto r = redis_.execute("SISMEMBER", {key, visitor});
    if (!r) return r.error();
    return !r->empty() && r->front().as_int() == 1;
  }

  // One Lua script (EVAL) adds the visitor to the page's likers and counts
  // the like, or neither: a server that dies mid-request never leaves a
  // liker without its count. It answers the new count, or -1 - count when
  // the visitor had liked the page already.
  spindle::Result<LikeOutcome> like(const std::string& page, const std::string& visitor) override {
    static constexpr const char* kScript =
        "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then return redis.call('INCR', KEYS[2]) end "
        "return -1 - tonumber(redis.call('GET', KEYS[2]) or '0')";
    auto r = redis_.execute("EVAL", {kScript, int64_t{2}, "likers:" + page, "likes:" + page, visitor});
    if (!r) return r.error();
    std::optional<int64_t> answer = r->empty() ? std::nullopt : r->front().as_int();
    if (!answer) return spindle::Error{spindle::ErrorKind::Runtime, "EVAL answered no integer"};
    int64_t n = *answer;
    if (n < 0) return LikeOutcome{false, -1 - n};
    std::string event =
        spindle::json::Object().add("page", page).add("likes", n).add("visitor", visitor).str();
    if (auto r = redis_.publish(channel_, event); !r) {
      // The like is stored; a lost notification is logged, not an error.
      std::fprintf(stderr, "likes: publish on %s failed: %s\n", channel_.c_str(),
                   r.error().describe().c_str());
    }
    return LikeOutcome{true, n};
  }

  spindle::Result<std::optional<std::string>> cache_get(const std::string& key) override {
    auto v = redis_.get(key);
    if (!v) return v.error();
    std::string text(as_text(*v));
    if (text.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(text));
  }

  spindle::Result<void> cache_set(const std::string& key, const std::string& value) override {
    return redis_.set(key, value);
  }

 private:
  template <class Bytes>
  static std::string_view as_text(const Bytes& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  spindle::redis::Connection redis_;
  std::string channel_;
};

}  // namespace likes

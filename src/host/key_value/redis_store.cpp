#include "host/key_value/store.h"
#include "host/redis/client.h"

namespace spindle::host::key_value {

namespace {

// A Redis error reply as a failure too.
bool checked(redis::Connection& c, const std::vector<std::string>& argv, redis::Reply& r,
             std::string& error) {
  if (!c.command(argv, r, error)) return false;
  if (r.kind != redis::Reply::Kind::Error) return true;
  error = r.str;
  return false;
}

// WATCH + GET, then MULTI / SET / EXEC: EXEC answers nil when the key
// changed after the WATCH. A swap without current() expects the key absent.
class RedisCas final : public Store::Cas {
 public:
  RedisCas(std::unique_ptr<redis::Connection> c, std::string key)
      : c_(std::move(c)), key_(std::move(key)) {}

  bool current(std::optional<std::string>& value, std::string& error) override {
    redis::Reply r;
    if (!checked(*c_, {"WATCH", key_}, r, error) || !checked(*c_, {"GET", key_}, r, error))
      return false;
    watched_ = true;
    if (r.kind == redis::Reply::Kind::String)
      value = std::move(r.str);
    else
      value.reset();
    return true;
  }

  bool swap(const std::string& value, bool& swapped, std::string& error) override {
    swapped = false;
    if (!watched_) {
      std::optional<std::string> now;
      if (!current(now, error)) return false;
      if (now) {
        redis::Reply r;
        return checked(*c_, {"UNWATCH"}, r, error);
      }
    }
    redis::Reply r;
    if (!checked(*c_, {"MULTI"}, r, error) || !checked(*c_, {"SET", key_, value}, r, error) ||
        !checked(*c_, {"EXEC"}, r, error))
      return false;
    watched_ = false;
    swapped = r.kind == redis::Reply::Kind::Array;
    return true;
  }

 private:
  std::unique_ptr<redis::Connection> c_;
  std::string key_;
  bool watched_ = false;
};

class RedisStore final : public Store {
 public:
  explicit RedisStore(std::shared_ptr<redis::Pool> pool) : pool_(std::move(pool)) {}

  bool get(const std::string& key, std::optional<std::string>& value, std::string& error) override {
    redis::Reply r;
    if (!run({"GET", key}, r, error)) return false;
    if (r.kind == redis::Reply::Kind::String)
      value = std::move(r.str);
    else
      value.reset();
    return true;
  }
  bool set(const std::string& key, const std::string& value, std::string& error) override {
    redis::Reply r;
    return run({"SET", key, value}, r, error);
  }
  bool remove(const std::string& key, std::string& error) override {
    redis::Reply r;
    return run({"DEL", key}, r, error);
  }
  bool exists(const std::string& key, bool& found, std::string& error) override {
    redis::Reply r;
    if (!run({"EXISTS", key}, r, error)) return false;
    found = r.integer > 0;
    return true;
  }
  bool keys(std::vector<std::string>& out, std::string& error) override {
    redis::Reply r;
    if (!run({"KEYS", "*"}, r, error)) return false;
    for (auto& e : r.elements) out.push_back(std::move(e.str));
    return true;
  }
  bool increment(const std::string& key, int64_t delta, int64_t& sum, std::string& error) override {
    redis::Reply r;
    if (!run({"INCRBY", key, std::to_string(delta)}, r, error)) return false;
    sum = r.integer;
    return true;
  }
  // On a connection of its own: WATCH belongs to the connection that runs
  // the MULTI/EXEC.
  std::unique_ptr<Cas> compare_and_swap(const std::string& key, std::string& error) override {
    auto c = pool_->dedicated(error);
    if (!c) return nullptr;
    return std::make_unique<RedisCas>(std::move(c), key);
  }

 private:
  // A command whose Redis error reply is reported as an error too.
  bool run(const std::vector<std::string>& argv, redis::Reply& r, std::string& error) {
    if (!pool_->command(argv, r, error)) return false;
    if (r.kind == redis::Reply::Kind::Error) {
      error = r.str;
      return false;
    }
    return true;
  }

  std::shared_ptr<redis::Pool> pool_;
};

}  // namespace

std::unique_ptr<Store> open_redis(const std::string& url, std::string& error) {
  auto pool = redis::Pool::get(url, error);
  if (!pool) return nullptr;
  return std::make_unique<RedisStore>(std::move(pool));
}

}  // namespace spindle::host::key_value

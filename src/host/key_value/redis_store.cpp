#include "host/key_value/store.h"
#include "host/redis/client.h"

namespace spindle::host::key_value {

namespace {

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

#include "host/redis/outbound_redis.h"

#include <cstdio>
#include <optional>

#include "host/redis/access.h"
#include "manifest/manifest.h"

namespace spindle::host::redis {

using namespace spindle::engine;

namespace {

constexpr ValType I32 = ValType::I32;
// redis-result variant tags; results are 16 bytes, align 8, payload at +8.
enum ResultTag : uint8_t { kNil = 0, kStatus = 1, kInt64 = 2, kBinary = 3 };
// redis-parameter variant tags.
enum ParamTag : uint8_t { kParamInt64 = 0, kParamBinary = 1 };

// The Spin 1 `outbound-redis` imports (wit-bindgen 0.2 ABI).
class OutboundRedis {
 public:
  static void link(Linker& linker) {
    void* self = nullptr;  // each call finds its component's Access (bound<>)
    auto def = [&](const char* name, size_t nargs, HostCallback cb) {
      linker.define("outbound-redis", name,
                    HostFunc{FuncType{std::vector<ValType>(nargs, I32), {}}, cb, self});
    };
    def("publish", 7, &publish);
    def("get", 5, &get);
    def("set", 7, &set);
    def("incr", 5, &incr);
    def("del", 5, &del);
    def("sadd", 7, &sadd);
    def("smembers", 5, &smembers);
    def("srem", 7, &srem);
    def("execute", 7, &execute);
  }

 private:
  // The calling component's Access, running argv on `address`: nullopt
  // (logged) when the guest should get `error`.
  struct Self {
    const Access& access;
    std::optional<Reply> run(const std::string& address,
                             const std::vector<std::string>& argv) const {
      auto pool = access.pool_for(address);
      if (!pool) return std::nullopt;
      std::string why;
      return access.run(*pool, argv, why);
    }
  };
  static Self self(HostCall& call) { return Self{access_of(call.instance)}; }

  // A list<string> argument (8-byte elements).
  static bool strings(Guest& g, uint32_t ptr, uint32_t len, std::vector<std::string>& out) {
    if (len > (1u << 20)) return g.fail(TrapKind::HostError, "outbound redis: list too long");
    for (uint32_t i = 0; i < len; ++i) {
      uint32_t p = 0, n = 0;
      std::string s;
      if (!g.load(ptr + i * 8, p) || !g.load(ptr + i * 8 + 4, n) || !g.read(p, n, s)) return false;
      out.push_back(std::move(s));
    }
    return true;
  }

  // expected<unit, error>: 2 bytes (tag, error).
  static Outcome unit_result(Guest& g, uint32_t ret, bool ok) {
    bool stored =
        ok ? g.store<uint8_t>(ret, 0) : g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 1, 1);
    return stored ? Outcome::success() : g.outcome;
  }
  // expected<s64, error>: 16 bytes, payload at +8.
  static Outcome int_result(Guest& g, uint32_t ret, const std::optional<Reply>& r) {
    bool stored = r ? g.store<uint8_t>(ret, 0) && g.store<int64_t>(ret + 8, r->integer)
                    : g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 8, 1);
    return stored ? Outcome::success() : g.outcome;
  }
  // Errors of the 12-byte results (payload, list): tag 1, error at +4.
  static Outcome list_error(Guest& g, uint32_t ret) {
    return g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 4, 1) ? Outcome::success()
                                                                    : g.outcome;
  }

  // publish(addr, channel, payload, ret)
  static Outcome publish(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, chan, payload;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, chan) ||
        !g.read(a[4].i32, a[5].i32, payload))
      return g.outcome;
    return unit_result(g, a[6].i32, self(call).run(addr, {"PUBLISH", chan, payload}).has_value());
  }

  // get(addr, key, ret) -> expected<payload, error>; a missing key is empty.
  static Outcome get(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, key;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, key)) return g.outcome;
    uint32_t ret = a[4].i32;
    auto r = self(call).run(addr, {"GET", key});
    if (!r) return list_error(g, ret);
    return g.store<uint8_t>(ret, 0) && g.put_at(ret + 4, r->str) ? Outcome::success() : g.outcome;
  }

  // set(addr, key, value, ret)
  static Outcome set(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, key, value;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, key) ||
        !g.read(a[4].i32, a[5].i32, value))
      return g.outcome;
    return unit_result(g, a[6].i32, self(call).run(addr, {"SET", key, value}).has_value());
  }

  // incr(addr, key, ret) -> expected<s64, error>
  static Outcome incr(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, key;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, key)) return g.outcome;
    return int_result(g, a[4].i32, self(call).run(addr, {"INCR", key}));
  }

  // del(addr, keys, ret) -> expected<s64, error>
  static Outcome del(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr;
    std::vector<std::string> argv = {"DEL"};
    if (!g.read(a[0].i32, a[1].i32, addr) || !strings(g, a[2].i32, a[3].i32, argv))
      return g.outcome;
    return int_result(g, a[4].i32, self(call).run(addr, argv));
  }

  // sadd / srem(addr, key, values, ret) -> expected<s64, error>
  static Outcome set_op(HostCall& call, const engine::Value* a, const char* op) {
    Guest g(call);
    std::string addr, key;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, key)) return g.outcome;
    std::vector<std::string> argv = {op, key};
    if (!strings(g, a[4].i32, a[5].i32, argv)) return g.outcome;
    return int_result(g, a[6].i32, self(call).run(addr, argv));
  }
  static Outcome sadd(HostCall& call, const engine::Value* a, engine::Value*) {
    return set_op(call, a, "SADD");
  }
  static Outcome srem(HostCall& call, const engine::Value* a, engine::Value*) {
    return set_op(call, a, "SREM");
  }

  // smembers(addr, key, ret) -> expected<list<string>, error>
  static Outcome smembers(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, key;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, key)) return g.outcome;
    uint32_t ret = a[4].i32;
    auto r = self(call).run(addr, {"SMEMBERS", key});
    if (!r) return list_error(g, ret);
    uint32_t list = 4;
    if (!g.alloc(4, static_cast<uint32_t>(r->elements.size() * 8), list)) return g.outcome;
    for (size_t i = 0; i < r->elements.size(); ++i)
      if (!g.put_at(list + static_cast<uint32_t>(i * 8), r->elements[i].str)) return g.outcome;
    bool ok = g.store<uint8_t>(ret, 0) && g.store<uint32_t>(ret + 4, list) &&
              g.store<uint32_t>(ret + 8, static_cast<uint32_t>(r->elements.size()));
    return ok ? Outcome::success() : g.outcome;
  }

  // Spin 1's flattening of a reply: nil and "OK" are dropped, arrays flattened.
  static void flatten(const Reply& r, std::vector<const Reply*>& out) {
    if (r.kind == Reply::Kind::Array) {
      for (const auto& e : r.elements) flatten(e, out);
    } else if (r.kind == Reply::Kind::Nil || (r.kind == Reply::Kind::Status && r.str == "OK")) {
      return;
    } else {
      out.push_back(&r);
    }
  }

  // execute(addr, command, arguments, ret) -> expected<list<redis-result>, error>
  static Outcome execute(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::string addr, cmd;
    if (!g.read(a[0].i32, a[1].i32, addr) || !g.read(a[2].i32, a[3].i32, cmd)) return g.outcome;
    std::vector<std::string> argv = {cmd};
    uint32_t ap = a[4].i32, an = a[5].i32;
    if (an > (1u << 20))
      return Outcome::trapped(TrapKind::HostError, "outbound redis: too many arguments");
    for (uint32_t i = 0; i < an; ++i) {
      uint32_t at = ap + i * 16;
      uint8_t tag = 0;
      if (!g.load(at, tag)) return g.outcome;
      if (tag == kParamInt64) {
        int64_t v = 0;
        if (!g.load(at + 8, v)) return g.outcome;
        argv.push_back(std::to_string(v));
      } else if (tag == kParamBinary) {
        uint32_t p = 0, n = 0;
        std::string s;
        if (!g.load(at + 8, p) || !g.load(at + 12, n) || !g.read(p, n, s)) return g.outcome;
        argv.push_back(std::move(s));
      } else {
        return Outcome::trapped(TrapKind::HostError,
                                "outbound redis: unknown parameter tag " + std::to_string(tag));
      }
    }
    uint32_t ret = a[6].i32;
    auto r = self(call).run(addr, argv);
    if (!r) return list_error(g, ret);
    std::vector<const Reply*> flat;
    flatten(*r, flat);
    uint32_t list = 8;
    if (!g.alloc(8, static_cast<uint32_t>(flat.size() * 16), list)) return g.outcome;
    for (size_t i = 0; i < flat.size(); ++i) {
      uint32_t at = list + static_cast<uint32_t>(i * 16);
      const Reply& e = *flat[i];
      bool ok;
      if (e.kind == Reply::Kind::Integer)
        ok = g.store<uint8_t>(at, kInt64) && g.store<int64_t>(at + 8, e.integer);
      else if (e.kind == Reply::Kind::Status)
        ok = g.store<uint8_t>(at, kStatus) && g.put_at(at + 8, e.str);
      else
        ok = g.store<uint8_t>(at, kBinary) && g.put_at(at + 8, e.str);
      if (!ok) return g.outcome;
    }
    bool ok = g.store<uint8_t>(ret, 0) && g.store<uint32_t>(ret + 4, list) &&
              g.store<uint32_t>(ret + 8, static_cast<uint32_t>(flat.size()));
    return ok ? Outcome::success() : g.outcome;
  }
};

}  // namespace

std::shared_ptr<Pool> Access::pool_for(const std::string& address) const {
  std::string error;
  auto pool = Pool::get(address, error);  // parses the URL; connects only on a command
  if (!pool) {
    log(error);
    return nullptr;
  }
  const Address& a = pool->address();
  if (!allow_.allows(host::Url{"redis", a.host, a.port, "/"})) {
    std::string hp = a.host + ":" + std::to_string(a.port);
    log("connection to redis://" + hp +
        " denied; to allow it, add allowed_outbound_hosts = "
        "[\"redis://" +
        hp + "\"] to the component in spin.toml");
    return nullptr;
  }
  return pool;
}

std::optional<Reply> Access::run(Pool& pool, const std::vector<std::string>& argv,
                                 std::string& why) const {
  Reply r;
  if (!pool.command(argv, r, why)) {
    log(argv[0] + " failed: " + why);
    return std::nullopt;
  }
  if (r.kind == Reply::Kind::Error) {
    why = r.str;
    log(argv[0] + ": " + r.str);
    return std::nullopt;
  }
  return r;
}

void Access::log(const std::string& what) const {
  std::fprintf(stderr, "component `%s`: outbound Redis: %s\n", component_.c_str(), what.c_str());
}

const Access& access_of(const engine::InstanceData* instance) {
  static const Access none("-", {});
  const auto* b = bound<Access>(instance, outbound_capability().index());
  return b ? *b : none;
}

namespace {

class App final : public AppState {
 public:
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.id, c.outbound_hosts);
  }
};

class OutboundRedisCapability final : public Capability {
 public:
  std::string_view name() const override { return "outbound-redis"; }
  void link(Linker& linker) const override { OutboundRedis::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

const Capability& outbound_capability() {
  static const OutboundRedisCapability c;
  return c;
}

}  // namespace spindle::host::redis

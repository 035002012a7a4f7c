// fermyon:spin/redis@2.0.0, outbound Redis for components (Spin 2 and 3
// guests), over the same pools and allow-list as the Spin 1 imports
// (outbound_redis.cpp). As Spin: `connection.open` of an address the
// component may not reach, or that does not parse, is invalid-address; a
// server that cannot be reached is other(reason), at open or at any
// command; SADD on a key of another type is type-error; `execute` answers
// the reply flattened (arrays spread, nil, status, int64, binary).
#include <functional>
#include <memory>

#include "host/redis/access.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::redis {

namespace {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kRedis = "fermyon:spin/redis@2.0.0";

// error cases
constexpr uint32_t kInvalidAddress = 0, kTypeError = 2, kOther = 3;
// redis-result cases
constexpr uint32_t kNil = 0, kStatus = 1, kInt64 = 2, kBinary = 3;

class OpenConnection final : public wasi::p2::Resource {
 public:
  explicit OpenConnection(std::shared_ptr<Pool> p) : pool(std::move(p)) {}
  const std::shared_ptr<Pool> pool;
};

Val error(uint32_t c) { return Val::err(Val::variant(c)); }
Val other(std::string why) { return Val::err(Val::variant(kOther, Val::string(std::move(why)))); }

Outcome open(InstanceData* d, Params p, Results& r) {
  Context* cx = wasi::p2::context_of(d);
  if (!cx) return wasi::p2::no_context(kRedis);
  const Access& access = access_of(d);
  auto pool = access.pool_for(std::string(p[0].as_string()));
  if (!pool) {
    r.push_back(error(kInvalidAddress));
    return Outcome::success();
  }
  std::string why;
  if (!pool->connect(why)) {
    access.log("cannot connect: " + why);
    r.push_back(other(why));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(std::make_unique<OpenConnection>(std::move(pool)));
  if (rep == 0) return wasi::p2::bad_handle("redis connection (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

// A method: the connection at p[0] (a trap when it is not one), the
// command `argv(p)` run on it, and `answer(reply)` as its result.
using Argv = std::function<std::vector<std::string>(Params p)>;
using Answer = std::function<Val(const Reply& r)>;
void method(component::HostImports& host, const std::string& name, Argv argv, Answer answer) {
  wasi::p2::define(host, kRedis, "[method]connection." + name,
                   [name, argv, answer](InstanceData* d, Params p, Results& r) {
                     Context* cx = wasi::p2::context_of(d);
                     auto* c = cx ? cx->table().get<OpenConnection>(p[0].rep()) : nullptr;
                     if (!c) return wasi::p2::bad_handle("redis connection." + name);
                     std::vector<std::string> args = argv(p);
                     std::string why;
                     auto reply = access_of(d).run(*c->pool, args, why);
                     if (!reply) {
                       bool wrong_type = why.rfind("WRONGTYPE", 0) == 0 && name == "sadd";
                       r.push_back(wrong_type ? error(kTypeError) : other(why));
                       return Outcome::success();
                     }
                     r.push_back(answer(*reply));
                     return Outcome::success();
                   });
}

std::vector<std::string> with_strings(std::vector<std::string> argv, const Val& list) {
  for (const Val& s : list.as_list()) argv.emplace_back(s.as_string());
  return argv;
}

Val unit(const Reply&) { return Val::ok(); }

Val integer(const Reply& r) {
  if (r.kind != Reply::Kind::Integer) return other("the reply is not an integer");
  return Val::ok(Val::s64(r.integer));
}

Val count(const Reply& r) {
  if (r.kind != Reply::Kind::Integer) return other("the reply is not an integer");
  return Val::ok(Val::u32(static_cast<uint32_t>(r.integer)));
}

void flatten(const Reply& r, std::vector<Val>& out) {
  switch (r.kind) {
    case Reply::Kind::Array:
      for (const Reply& e : r.elements) flatten(e, out);
      break;
    case Reply::Kind::Nil:
      out.push_back(Val::variant(kNil));
      break;
    case Reply::Kind::Status:
      out.push_back(Val::variant(kStatus, Val::string(r.str)));
      break;
    case Reply::Kind::Integer:
      out.push_back(Val::variant(kInt64, Val::s64(r.integer)));
      break;
    default:
      out.push_back(Val::variant(kBinary, Val::bytes(r.str)));
  }
}

}  // namespace

void link_interfaces(component::HostImports& host) {
  wasi::p2::define_resource(host, kRedis, "connection");
  wasi::p2::define(host, kRedis, "[static]connection.open", open);
  method(
      host, "publish",
      [](Params p) {
        return std::vector<std::string>{"PUBLISH", std::string(p[1].as_string()),
                                        std::string(p[2].as_bytes())};
      },
      unit);
  method(
      host, "get",
      [](Params p) {
        return std::vector<std::string>{"GET", std::string(p[1].as_string())};
      },
      [](const Reply& r) {
        return Val::ok(r.kind == Reply::Kind::Nil ? Val::none() : Val::some(Val::bytes(r.str)));
      });
  method(
      host, "set",
      [](Params p) {
        return std::vector<std::string>{"SET", std::string(p[1].as_string()),
                                        std::string(p[2].as_bytes())};
      },
      unit);
  method(
      host, "incr",
      [](Params p) {
        return std::vector<std::string>{"INCR", std::string(p[1].as_string())};
      },
      integer);
  method(
      host, "del", [](Params p) { return with_strings({"DEL"}, p[1]); }, count);
  method(
      host, "sadd",
      [](Params p) {
        return with_strings({"SADD", std::string(p[1].as_string())}, p[2]);
      },
      count);
  method(
      host, "srem",
      [](Params p) {
        return with_strings({"SREM", std::string(p[1].as_string())}, p[2]);
      },
      count);
  method(
      host, "smembers",
      [](Params p) {
        return std::vector<std::string>{"SMEMBERS", std::string(p[1].as_string())};
      },
      [](const Reply& r) {
        std::vector<Val> members;
        for (const Reply& e : r.elements) members.push_back(Val::string(e.str));
        return Val::ok(Val::list(std::move(members)));
      });
  method(
      host, "execute",
      [](Params p) {
        std::vector<std::string> argv{std::string(p[1].as_string())};
        for (const Val& a : p[2].as_list()) {
          const Val* x = a.payload();
          if (a.case_index() == 0)
            argv.push_back(std::to_string(x ? x->as_s64() : 0));
          else
            argv.emplace_back(x ? x->as_bytes() : std::string_view());
        }
        return argv;
      },
      [](const Reply& r) {
        std::vector<Val> out;
        flatten(r, out);
        return Val::ok(Val::list(std::move(out)));
      });
}

}  // namespace spindle::host::redis

// The component-model interfaces of outbound PostgreSQL, over the same
// pools and allow-list as the Spin 1 imports (postgres.cpp):
//
//   fermyon:spin/postgres@2.0.0     Spin 2 and 3 guests (rdbms-types@2.0.0)
//   spin:postgres/postgres@3.0.0    Spin 3 guests: dates, times, timestamps
//   spin:postgres/postgres@4.1.0    Spin 3.4+ guests (4.0.0 and 4.1.0): uuid,
//                                   jsonb, decimal, ranges, arrays,
//                                   interval, structured server errors, and
//                                   the connection-builder (set-ca-root is
//                                   refused: TLS roots are the system's)
//
// As Spin: open of an address the component may not reach is
// connection-failed("address postgres://host:port is not permitted"); a
// server that cannot be reached is connection-failed(libpq's reason);
// statements the server refuses are query-failed; unsigned integer
// parameters (2.0.0) are value-conversion-failed. A connection is a
// resource holding one pooled server connection until it is dropped.
#include <memory>

#include "host/postgres/access.h"
#include "host/rdbms/rdbms_types.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::postgres {

namespace {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using rdbms::Error;
using rdbms::ErrorKind;
using rdbms::Tag;
using rdbms::Value;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kV2 = "fermyon:spin/postgres@2.0.0";
constexpr std::string_view kV3 = "spin:postgres/postgres@3.0.0";
constexpr std::string_view kV4 = "spin:postgres/postgres@4.1.0";

enum class Version { V2, V3, V4 };

class OpenConnection final : public wasi::p2::Resource {
 public:
  explicit OpenConnection(std::unique_ptr<Connection> c) : conn(std::move(c)) {}
  std::unique_ptr<Connection> conn;
};

class Builder final : public wasi::p2::Resource {
 public:
  explicit Builder(std::string a) : address(std::move(a)) {}
  std::string address;
};

// spin:postgres's case order (parameter-value, db-value; v3 is v4's first
// 13 cases then db-null, unsupported).
constexpr Tag kV4Cases[] = {
    Tag::Boolean,     Tag::Int8,         Tag::Int16,      Tag::Int32,        Tag::Int64,
    Tag::Floating32,  Tag::Floating64,   Tag::Str,        Tag::Binary,       Tag::Date,
    Tag::Time,        Tag::Datetime,     Tag::Timestamp,  Tag::Uuid,         Tag::Jsonb,
    Tag::Decimal,     Tag::RangeInt32,   Tag::RangeInt64, Tag::RangeDecimal, Tag::ArrayInt32,
    Tag::ArrayInt64,  Tag::ArrayDecimal, Tag::ArrayStr,   Tag::Interval,     Tag::DbNull,
    Tag::Unsupported,
};
constexpr uint32_t kV3Extended = 13;  // cases before v3's db-null
constexpr uint32_t kV4Extended = 24;  // cases before v4's db-null

Tag tag_of(Version v, uint32_t case_index) {
  uint32_t limit = v == Version::V3 ? kV3Extended : kV4Extended;
  if (case_index < limit) return kV4Cases[case_index];
  return case_index == limit ? Tag::DbNull : Tag::Unsupported;
}

// The case index of `t` in `v` (nullopt: none; the value is unsupported).
std::optional<uint32_t> case_of(Version v, Tag t) {
  uint32_t limit = v == Version::V3 ? kV3Extended : kV4Extended;
  for (uint32_t i = 0; i < limit; ++i)
    if (kV4Cases[i] == t) return i;
  if (t == Tag::DbNull) return limit;
  return std::nullopt;
}

std::optional<rdbms::Bound> bound_of(const Val& opt, bool decimal) {
  if (!opt.is_some()) return std::nullopt;
  const auto& t = opt.payload()->as_tuple();
  rdbms::Bound b;
  if (decimal) {
    b.decimal = std::string(t[0].as_string());
  } else {
    b.integer = t[0].is(component::ValKind::S32) ? t[0].as_s32() : t[0].as_s64();
  }
  b.inclusive = t[1].case_index() == 0;
  return b;
}

Value param(Version ver, const Val& v) {
  if (ver == Version::V2) return rdbms::v2::param(v);
  Value out = Value::of(tag_of(ver, v.case_index()));
  const Val* x = v.payload();
  if (x == nullptr) return out.tag == Tag::DbNull ? out : Value::null();
  auto parts = [&](size_t n) {
    const auto& t = x->as_tuple();
    for (size_t i = 0; i < n && i < t.size(); ++i) {
      switch (t[i].kind()) {
        case component::ValKind::S32:
          out.parts[i] = t[i].as_s32();
          break;
        default:
          out.parts[i] = static_cast<int64_t>(t[i].as_u64());
      }
    }
  };
  switch (out.tag) {
    case Tag::Boolean:
      out.boolean = x->as_bool();
      break;
    case Tag::Int8:
      out.integer = x->as_s8();
      break;
    case Tag::Int16:
      out.integer = x->as_s16();
      break;
    case Tag::Int32:
      out.integer = x->as_s32();
      break;
    case Tag::Int64:
    case Tag::Timestamp:
      out.integer = x->as_s64();
      break;
    case Tag::Floating32:
      out.real = x->as_f32();
      break;
    case Tag::Floating64:
      out.real = x->as_f64();
      break;
    case Tag::Str:
    case Tag::Binary:
    case Tag::Uuid:
    case Tag::Jsonb:
    case Tag::Decimal:
      out.bytes = std::string(x->as_bytes());
      break;
    case Tag::Date:
      parts(3);
      break;
    case Tag::Time:
      parts(4);
      break;
    case Tag::Datetime:
      parts(7);
      break;
    case Tag::RangeInt32:
    case Tag::RangeInt64:
    case Tag::RangeDecimal: {
      const auto& t = x->as_tuple();
      bool dec = out.tag == Tag::RangeDecimal;
      if (t.size() == 2) {
        out.lower = bound_of(t[0], dec);
        out.upper = bound_of(t[1], dec);
      }
      break;
    }
    case Tag::ArrayInt32:
    case Tag::ArrayInt64:
      for (const Val& e : x->as_list())
        out.integers.push_back(e.is_some()
                                   ? std::optional<int64_t>(e.payload()->is(component::ValKind::S32)
                                                                ? e.payload()->as_s32()
                                                                : e.payload()->as_s64())
                                   : std::nullopt);
      break;
    case Tag::ArrayDecimal:
    case Tag::ArrayStr:
      for (const Val& e : x->as_list())
        out.strings.push_back(
            e.is_some() ? std::optional<std::string>(std::string(e.payload()->as_string()))
                        : std::nullopt);
      break;
    case Tag::Interval: {
      const auto& r = x->as_record();
      if (r.size() == 3) out.parts = {r[0].as_s64(), r[1].as_s32(), r[2].as_s32()};
      break;
    }
    default:
      return Value::null();
  }
  return out;
}

Val range_bound(const std::optional<rdbms::Bound>& b, Tag t) {
  if (!b) return Val::none();
  Val v = t == Tag::RangeInt32   ? Val::s32(static_cast<int32_t>(b->integer))
          : t == Tag::RangeInt64 ? Val::s64(b->integer)
                                 : Val::string(b->decimal);
  return Val::some(Val::tuple({std::move(v), Val::enumeration(b->inclusive ? 0 : 1)}));
}

Val db_value(Version ver, const Value& v) {
  if (ver == Version::V2) return rdbms::v2::db_value(v);
  auto c = case_of(ver, v.tag);
  uint32_t unsupported = (ver == Version::V3 ? kV3Extended : kV4Extended) + 1;
  if (!c) {
    if (ver == Version::V3) return Val::variant(unsupported);
    return Val::variant(unsupported, Val::bytes(v.bytes));
  }
  auto u8 = [](int64_t x) { return Val::u8(static_cast<uint8_t>(x)); };
  auto with = [&](Val payload) { return Val::variant(*c, std::move(payload)); };
  if (auto payload = rdbms::v2::scalar_payload(v)) return with(std::move(*payload));
  const auto& p = v.parts;
  switch (v.tag) {
    case Tag::Timestamp:
      return with(Val::s64(v.integer));
    case Tag::Uuid:
    case Tag::Decimal:
      return with(Val::string(v.bytes));
    case Tag::Jsonb:
      return with(Val::bytes(v.bytes));
    case Tag::Date:
      return with(Val::tuple({Val::s32(static_cast<int32_t>(p[0])), u8(p[1]), u8(p[2])}));
    case Tag::Time:
      return with(
          Val::tuple({u8(p[0]), u8(p[1]), u8(p[2]), Val::u32(static_cast<uint32_t>(p[3]))}));
    case Tag::Datetime:
      return with(Val::tuple({Val::s32(static_cast<int32_t>(p[0])), u8(p[1]), u8(p[2]), u8(p[3]),
                              u8(p[4]), u8(p[5]), Val::u32(static_cast<uint32_t>(p[6]))}));
    case Tag::RangeInt32:
    case Tag::RangeInt64:
    case Tag::RangeDecimal:
      return with(Val::tuple({range_bound(v.lower, v.tag), range_bound(v.upper, v.tag)}));
    case Tag::ArrayInt32:
    case Tag::ArrayInt64: {
      std::vector<Val> items;
      for (const auto& x : v.integers)
        items.push_back(!x                         ? Val::none()
                        : v.tag == Tag::ArrayInt32 ? Val::some(Val::s32(static_cast<int32_t>(*x)))
                                                   : Val::some(Val::s64(*x)));
      return with(Val::list(std::move(items)));
    }
    case Tag::ArrayDecimal:
    case Tag::ArrayStr: {
      std::vector<Val> items;
      for (const auto& x : v.strings) items.push_back(x ? Val::some(Val::string(*x)) : Val::none());
      return with(Val::list(std::move(items)));
    }
    case Tag::Interval:
      return with(Val::record({Val::s64(p[0]), Val::s32(static_cast<int32_t>(p[1])),
                               Val::s32(static_cast<int32_t>(p[2]))}));
    default:
      return Val::variant(*c);  // db-null
  }
}

Val column_type(Version ver, const rdbms::Column& col) {
  auto c = case_of(ver, col.type);
  if (ver == Version::V3) return Val::enumeration(c && col.type != Tag::DbNull ? *c : kV3Extended);
  if (c && col.type != Tag::DbNull) return Val::variant(*c);
  return Val::variant(kV4Extended, Val::string(col.type_name));
}

Val row_set(Version ver, const rdbms::RowSet& rs) {
  if (ver == Version::V2) return rdbms::v2::row_set(rs);
  std::vector<Val> columns;
  for (const rdbms::Column& col : rs.columns)
    columns.push_back(Val::record({Val::string(col.name), column_type(ver, col)}));
  std::vector<Val> rows;
  for (const auto& row : rs.rows) {
    std::vector<Val> values;
    for (const Value& v : row) values.push_back(db_value(ver, v));
    rows.push_back(Val::list(std::move(values)));
  }
  return Val::record({Val::list(std::move(columns)), Val::list(std::move(rows))});
}

Val error(Version ver, const Error& e) {
  uint32_t kind = static_cast<uint32_t>(e.kind);
  if (ver != Version::V4 || e.kind != ErrorKind::QueryFailed)
    return Val::err(Val::variant(kind, Val::string(e.message)));
  if (!e.db) return Val::err(Val::variant(kind, Val::variant(0, Val::string(e.message))));
  std::vector<Val> extras;
  for (const auto& [k, v] : e.db->extras)
    extras.push_back(Val::tuple({Val::string(k), Val::string(v)}));
  Val db = Val::record({Val::string(e.message), Val::string(e.db->severity),
                        Val::string(e.db->code), Val::string(e.db->message),
                        e.db->detail ? Val::some(Val::string(*e.db->detail)) : Val::none(),
                        Val::list(std::move(extras))});
  return Val::err(Val::variant(kind, Val::variant(1, std::move(db))));
}

Outcome open_address(InstanceData* d, const std::string& address, Version ver, Results& r) {
  Context* cx = wasi::p2::context_of(d);
  if (!cx) return wasi::p2::no_context("postgres");
  Error e;
  auto conn = access_of(d).connect(address, deadline_of(d), e);
  if (!conn) {
    r.push_back(error(ver, e));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(std::make_unique<OpenConnection>(std::move(conn)));
  if (rep == 0) return wasi::p2::bad_handle("postgres connection (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

// query (rows) or execute (affected count) on the connection at p[0].
Outcome run(InstanceData* d, Params p, Results& r, Version ver, bool rows) {
  Context* cx = wasi::p2::context_of(d);
  auto* c = cx ? cx->table().get<OpenConnection>(p[0].rep()) : nullptr;
  if (!c)
    return wasi::p2::bad_handle(rows ? "postgres connection.query" : "postgres connection.execute");
  std::vector<Value> params;
  params.reserve(p[2].list_size());
  for (const Val& v : p[2].as_list()) params.push_back(param(ver, v));
  rdbms::RowSet rs;
  uint64_t affected = 0;
  if (auto e = c->conn->run(std::string(p[1].as_string()), params, deadline_of(d), rs, affected)) {
    access_of(d).log(e->message);
    r.push_back(error(ver, *e));
    return Outcome::success();
  }
  r.push_back(rows ? Val::ok(row_set(ver, rs)) : Val::ok(Val::u64(affected)));
  return Outcome::success();
}

void link_version(component::HostImports& host, std::string_view iface, Version ver) {
  wasi::p2::define_resource(host, iface, "connection");
  wasi::p2::define(host, iface, "[static]connection.open",
                   [ver](InstanceData* d, Params p, Results& r) {
                     return open_address(d, std::string(p[0].as_string()), ver, r);
                   });
  wasi::p2::define(
      host, iface, "[method]connection.query",
      [ver](InstanceData* d, Params p, Results& r) { return run(d, p, r, ver, true); });
  wasi::p2::define(
      host, iface, "[method]connection.execute",
      [ver](InstanceData* d, Params p, Results& r) { return run(d, p, r, ver, false); });
}

}  // namespace

void link_interfaces(component::HostImports& host) {
  link_version(host, kV2, Version::V2);
  link_version(host, kV3, Version::V3);
  link_version(host, kV4, Version::V4);
  wasi::p2::define_resource(host, kV4, "connection-builder");
  wasi::p2::define_cx(
      host, kV4, "[constructor]connection-builder",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        uint32_t rep = cx.table().add(std::make_unique<Builder>(std::string(p[0].as_string())));
        if (rep == 0) return wasi::p2::bad_handle("postgres connection-builder");
        r.push_back(Val::own(rep));
        return Outcome::success();
      });
  wasi::p2::define_cx(
      host, kV4, "[method]connection-builder.set-ca-root",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        if (!cx.table().get<Builder>(p[0].rep()))
          return wasi::p2::bad_handle("postgres connection-builder.set-ca-root");
        r.push_back(error(Version::V4, rdbms::error(ErrorKind::Other,
                                                    "spindle does not support custom "
                                                    "root certificates; the system's are used")));
        return Outcome::success();
      });
  wasi::p2::define_cx(host, kV4, "[method]connection-builder.build",
                      [](Context& cx, InstanceData* d, Params p, Results& r) {
                        auto* b = cx.table().get<Builder>(p[0].rep());
                        if (!b) return wasi::p2::bad_handle("postgres connection-builder.build");
                        return open_address(d, b->address, Version::V4, r);
                      });
}

}  // namespace spindle::host::postgres

// The component-model interfaces of the sqlite capability, over the same
// databases as the Spin 1 imports (sqlite.cpp):
//
//   fermyon:spin/sqlite@2.0.0     Spin 2 and 3 guests: connection.open, execute
//   spin:sqlite/sqlite@3.0.0      Spin 3.4 guests: the same, plus
//                                 last-insert-rowid and changes
//
// A connection is a resource in the instance's table; it remembers what its
// last statement left behind (the process shares one SQLite connection per
// file, so SQLite's own counters belong to whichever statement ran last).
#include <memory>

#include "host/sqlite/query.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::sqlite {

namespace {

using component::Val;
using component::ValKind;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kV2 = "fermyon:spin/sqlite@2.0.0";
constexpr std::string_view kV3 = "spin:sqlite/sqlite@3.0.0";

// Connections open in one request, counted across both interfaces (more
// than kMaxOpenConnections answers database-full, as the Spin 1 imports).
const size_t kSlot = next_slot();

class OpenDatabase final : public CountedResource {
 public:
  OpenDatabase(Database* d, const LiveCount& count) : CountedResource(count), db(d) {}
  Database* const db;
  Effects effects;
};

Val error(uint32_t tag, std::string message = {}) {
  if (tag == kIo) return Val::err(Val::variant(tag, Val::string(std::move(message))));
  return Val::err(Val::variant(tag));
}

Outcome open(InstanceData* d, Params p, Results& r) {
  const auto* access = bound<Access>(d, capability().index());
  Context* cx = wasi::p2::context_of(d);
  if (!access || !cx) return not_configured("sqlite");
  LabelRefusal why{};
  Database* db = access->open(std::string(p[0].as_string()), why);
  if (!db) {
    r.push_back(error(why == LabelRefusal::kNotAllowed ? kAccessDenied : kNoSuchDatabase));
    return Outcome::success();
  }
  auto& count = d->capabilities->slot<LiveCount>(kSlot);
  if (*count.live >= kMaxOpenConnections) {
    r.push_back(error(kDatabaseFull));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(std::make_unique<OpenDatabase>(db, count));
  if (rep == 0) return wasi::p2::bad_handle("sqlite connection (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

OpenDatabase* connection(InstanceData* d, const Val& handle) {
  Context* cx = wasi::p2::context_of(d);
  return cx ? cx->table().get<OpenDatabase>(handle.rep()) : nullptr;
}

SqlValue from_val(const Val& v) {
  SqlValue out;
  out.tag = static_cast<uint8_t>(v.case_index());
  const Val* x = v.payload();
  if (x == nullptr) {
    out.tag = kNull;
    return out;
  }
  switch (out.tag) {
    case kInteger:
      out.integer = x->as_s64();
      break;
    case kReal:
      out.real = x->as_f64();
      break;
    case kText:
    case kBlob:
      out.bytes = std::string(x->as_bytes());
      break;
    default:
      out.tag = kNull;
  }
  return out;
}

Val to_val(const SqlValue& v) {
  switch (v.tag) {
    case kInteger:
      return Val::variant(kInteger, Val::s64(v.integer));
    case kReal:
      return Val::variant(kReal, Val::f64(v.real));
    case kText:
      return Val::variant(kText, Val::string(v.bytes));
    case kBlob:
      return Val::variant(kBlob, Val::bytes(v.bytes));
    default:
      return Val::variant(kNull);
  }
}

Outcome execute_fn(InstanceData* d, Params p, Results& r) {
  OpenDatabase* c = connection(d, p[0]);
  if (!c) return wasi::p2::bad_handle("sqlite connection.execute");
  std::vector<SqlValue> params;
  params.reserve(p[2].list_size());
  for (const Val& v : p[2].as_list()) params.push_back(from_val(v));
  QueryResult result;
  if (auto err = execute(*c->db, std::string(p[1].as_string()), params, result, &c->effects)) {
    r.push_back(error(err->tag, err->message));
    return Outcome::success();
  }
  std::vector<Val> columns;
  columns.reserve(result.columns.size());
  for (const std::string& name : result.columns) columns.push_back(Val::string(name));
  std::vector<Val> rows;
  rows.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    std::vector<Val> values;
    values.reserve(row.size());
    for (const SqlValue& v : row) values.push_back(to_val(v));
    rows.push_back(Val::record({Val::list(std::move(values))}));
  }
  r.push_back(Val::ok(Val::record({Val::list(std::move(columns)), Val::list(std::move(rows))})));
  return Outcome::success();
}

void link_version(component::HostImports& host, std::string_view iface) {
  wasi::p2::define_resource(host, iface, "connection");
  wasi::p2::define(host, iface, "[static]connection.open", open);
  wasi::p2::define(host, iface, "[method]connection.execute", execute_fn);
}

}  // namespace

void link_interfaces(component::HostImports& host) {
  link_version(host, kV2);
  link_version(host, kV3);
  wasi::p2::define(host, kV3, "[method]connection.last-insert-rowid",
                   [](InstanceData* d, Params p, Results& r) {
                     OpenDatabase* c = connection(d, p[0]);
                     if (!c) return wasi::p2::bad_handle("sqlite connection.last-insert-rowid");
                     r.push_back(Val::s64(c->effects.last_insert_rowid));
                     return Outcome::success();
                   });
  wasi::p2::define(host, kV3, "[method]connection.changes",
                   [](InstanceData* d, Params p, Results& r) {
                     OpenDatabase* c = connection(d, p[0]);
                     if (!c) return wasi::p2::bad_handle("sqlite connection.changes");
                     r.push_back(Val::u64(c->effects.changes));
                     return Outcome::success();
                   });
}

}  // namespace spindle::host::sqlite

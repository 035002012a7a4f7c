// fermyon:spin/mysql@2.0.0, outbound MySQL for components (Spin 2 and 3
// guests), over the same pools and allow-list as the Spin 1 imports
// (mysql.cpp). As Spin: open of an address the component may not reach is
// connection-failed("address <address> is not permitted"); a server that
// cannot be reached is connection-failed(the client's reason); statements
// the server refuses are query-failed; a non-null value of a column type
// rdbms-types has no case for (DECIMAL, DATETIME, ...) is
// value-conversion-failed. A connection is a resource holding one pooled
// server connection until it is dropped.
#include <memory>

#include "host/mysql/access.h"
#include "host/rdbms/rdbms_types.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::mysql {

namespace {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kV2 = "fermyon:spin/mysql@2.0.0";

class OpenConnection final : public wasi::p2::Resource {
 public:
  explicit OpenConnection(std::unique_ptr<Connection> c) : conn(std::move(c)) {}
  std::unique_ptr<Connection> conn;
};

Outcome open(InstanceData* d, Params p, Results& r) {
  Context* cx = wasi::p2::context_of(d);
  if (!cx) return wasi::p2::no_context(kV2);
  rdbms::Error e;
  auto conn = access_of(d).connect(std::string(p[0].as_string()), deadline_of(d), e);
  if (!conn) {
    r.push_back(Val::err(rdbms::v2::error(e)));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(std::make_unique<OpenConnection>(std::move(conn)));
  if (rep == 0) return wasi::p2::bad_handle("mysql connection (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

Outcome run(InstanceData* d, Params p, Results& r, bool rows) {
  Context* cx = wasi::p2::context_of(d);
  auto* c = cx ? cx->table().get<OpenConnection>(p[0].rep()) : nullptr;
  if (!c) return wasi::p2::bad_handle(rows ? "mysql connection.query" : "mysql connection.execute");
  rdbms::RowSet rs;
  if (auto e = c->conn->run(std::string(p[1].as_string()), rdbms::v2::params(p[2]), deadline_of(d),
                            rs)) {
    access_of(d).log(e->message);
    r.push_back(Val::err(rdbms::v2::error(*e)));
    return Outcome::success();
  }
  r.push_back(rows ? Val::ok(rdbms::v2::row_set(rs)) : Val::ok());
  return Outcome::success();
}

}  // namespace

void link_interfaces(component::HostImports& host) {
  wasi::p2::define_resource(host, kV2, "connection");
  wasi::p2::define(host, kV2, "[static]connection.open", open);
  wasi::p2::define(host, kV2, "[method]connection.query",
                   [](InstanceData* d, Params p, Results& r) { return run(d, p, r, true); });
  wasi::p2::define(host, kV2, "[method]connection.execute",
                   [](InstanceData* d, Params p, Results& r) { return run(d, p, r, false); });
}

}  // namespace spindle::host::mysql

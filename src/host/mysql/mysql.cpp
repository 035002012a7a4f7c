#include "host/mysql/mysql.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "host/mysql/access.h"
#include "host/rdbms/spin1.h"
#include "manifest/manifest.h"

namespace spindle::host::mysql {

using namespace spindle::engine;
using rdbms::Error;
using rdbms::ErrorKind;

namespace {

constexpr std::chrono::seconds kMaxWait{30};
constexpr ValType I32 = ValType::I32;

// The Spin 1 `outbound-mysql` imports (wit-bindgen 0.2 ABI): query and
// execute(address, statement, params, ret), each on a pooled connection
// for the call.
class OutboundMysql {
 public:
  static void link(Linker& linker) {
    void* self = nullptr;  // each call finds its component's Access (bound<>)
    linker.define("outbound-mysql", "query",
                  HostFunc{FuncType{std::vector<ValType>(7, I32), {}}, &query, self});
    linker.define("outbound-mysql", "execute",
                  HostFunc{FuncType{std::vector<ValType>(7, I32), {}}, &execute, self});
  }

 private:
  static bool run(HostCall& call, Guest& g, const engine::Value* a, std::optional<Error>& error,
                  rdbms::RowSet& rs) {
    std::string address, sql;
    std::vector<rdbms::Value> params;
    if (!g.read(a[0].i32, a[1].i32, address) || !g.read(a[2].i32, a[3].i32, sql) ||
        !rdbms::spin1::read_params(g, a[4].i32, a[5].i32, params))
      return false;
    const Access& access = access_of(call.instance);
    Error e;
    auto conn = access.connect(address, deadline_of(call.instance), e);
    if (!conn) {
      error = e;
      return true;
    }
    error = conn->run(sql, params, deadline_of(call.instance), rs);
    if (error) access.log(error->message);
    return true;
  }

  // query -> expected<row-set, mysql-error>: tag at +0, payload at +4.
  static Outcome query(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::optional<Error> error;
    rdbms::RowSet rs;
    if (!run(call, g, a, error, rs)) return g.outcome;
    uint32_t ret = a[6].i32;
    bool ok = error ? g.store<uint8_t>(ret, 1) && rdbms::spin1::put_error(g, ret + 4, *error)
                    : g.store<uint8_t>(ret, 0) && rdbms::spin1::put_row_set(g, ret + 4, rs);
    return ok ? Outcome::success() : g.outcome;
  }

  // execute -> expected<unit, mysql-error>: tag at +0, error at +4.
  static Outcome execute(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::optional<Error> error;
    rdbms::RowSet rs;
    if (!run(call, g, a, error, rs)) return g.outcome;
    uint32_t ret = a[6].i32;
    bool ok = error ? g.store<uint8_t>(ret, 1) && rdbms::spin1::put_error(g, ret + 4, *error)
                    : g.store<uint8_t>(ret, 0);
    return ok ? Outcome::success() : g.outcome;
  }
};

class App final : public AppState {
 public:
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.id, c.outbound_hosts);
  }
};

class MysqlCapability final : public Capability {
 public:
  std::string_view name() const override { return "outbound-mysql"; }
  void link(Linker& linker) const override { OutboundMysql::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

std::unique_ptr<Connection> Access::connect(const std::string& address, Deadline deadline,
                                            Error& error) const {
  auto a = parse_address(address);
  if (!a) {
    log("invalid address " + address + " (expected mysql://user:password@host[:port]/database)");
    error = rdbms::error(ErrorKind::ConnectionFailed, "invalid address " + address);
    return nullptr;
  }
  std::string host = a->host;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!allow_.allows(Url{"mysql", host, a->port, "/"})) {
    std::string hp = (a->host.find(':') != std::string::npos ? "[" + a->host + "]" : a->host) +
                     ":" + std::to_string(a->port);
    log("connection to mysql://" + hp +
        " denied; to allow it, add allowed_outbound_hosts = [\"mysql://" + hp +
        "\"] to the component in spin.toml");
    error = rdbms::error(ErrorKind::ConnectionFailed, "address " + address + " is not permitted");
    return nullptr;
  }
  auto conn = Pool::get(address, *a)->acquire(deadline, error);
  if (!conn) log("cannot connect: " + error.message);
  return conn;
}

void Access::log(const std::string& what) const {
  std::fprintf(stderr, "component `%s`: outbound MySQL: %s\n", component_.c_str(), what.c_str());
}

const Access& access_of(const engine::InstanceData* instance) {
  static const Access none("-", {});
  const auto* b = bound<Access>(instance, capability().index());
  return b ? *b : none;
}

Deadline deadline_of(const engine::InstanceData* instance) {
  Deadline d = std::chrono::steady_clock::now() + kMaxWait;
  if (instance && instance->deadline) d = std::min(d, *instance->deadline);
  return d;
}

const Capability& capability() {
  static const MysqlCapability c;
  return c;
}

}  // namespace spindle::host::mysql

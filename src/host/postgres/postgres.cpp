#include "host/postgres/postgres.h"

#include <libpq-fe.h>

#include <cstdio>

#include "host/postgres/access.h"
#include "host/rdbms/spin1.h"
#include "manifest/manifest.h"

namespace spindle::host::postgres {

using namespace spindle::engine;
using rdbms::Error;
using rdbms::ErrorKind;

namespace {

constexpr std::chrono::seconds kMaxWait{30};
constexpr ValType I32 = ValType::I32;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// The Spin 1 `outbound-pg` imports (wit-bindgen 0.2 ABI): query and
// execute(address, statement, params, ret), each on a pooled connection
// for the call.
class OutboundPg {
 public:
  static void link(Linker& linker) {
    void* self = nullptr;  // each call finds its component's Access (bound<>)
    linker.define("outbound-pg", "query",
                  HostFunc{FuncType{std::vector<ValType>(7, I32), {}}, &query, self});
    linker.define("outbound-pg", "execute",
                  HostFunc{FuncType{std::vector<ValType>(7, I32), {}}, &execute, self});
  }

 private:
  // Reads the arguments and runs the statement; false when the guest broke
  // the ABI (g.outcome says how).
  static bool run(HostCall& call, Guest& g, const engine::Value* a, std::optional<Error>& error,
                  rdbms::RowSet& rs, uint64_t& affected) {
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
    error = conn->run(sql, params, deadline_of(call.instance), rs, affected);
    if (error) access.log(error->message);
    return true;
  }

  // query -> expected<row-set, pg-error>: tag at +0, payload at +4.
  static Outcome query(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::optional<Error> error;
    rdbms::RowSet rs;
    uint64_t affected = 0;
    if (!run(call, g, a, error, rs, affected)) return g.outcome;
    uint32_t ret = a[6].i32;
    bool ok = error ? g.store<uint8_t>(ret, 1) && rdbms::spin1::put_error(g, ret + 4, *error)
                    : g.store<uint8_t>(ret, 0) && rdbms::spin1::put_row_set(g, ret + 4, rs);
    return ok ? Outcome::success() : g.outcome;
  }

  // execute -> expected<u64, pg-error>: tag at +0, payload at +8.
  static Outcome execute(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    std::optional<Error> error;
    rdbms::RowSet rs;
    uint64_t affected = 0;
    if (!run(call, g, a, error, rs, affected)) return g.outcome;
    uint32_t ret = a[6].i32;
    bool ok = error ? g.store<uint8_t>(ret, 1) && rdbms::spin1::put_error(g, ret + 8, *error)
                    : g.store<uint8_t>(ret, 0) && g.store<uint64_t>(ret + 8, affected);
    return ok ? Outcome::success() : g.outcome;
  }
};

class App final : public AppState {
 public:
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.id, c.outbound_hosts);
  }
};

class PostgresCapability final : public Capability {
 public:
  std::string_view name() const override { return "outbound-pg"; }
  void link(Linker& linker) const override { OutboundPg::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

std::optional<Error> Access::check(const std::string& address) const {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(address.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err ? err : "invalid connection string";
    PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return rdbms::error(ErrorKind::ConnectionFailed, why);
  }
  std::string hosts, hostaddrs, ports, refused;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string k = o->keyword;
    // Settings that would make the host read its own files (a service
    // file could also name a host the allow-list never sees).
    for (const char* f :
         {"service", "passfile", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir"})
      if (k == f && refused.empty()) refused = k;
    if (k == "host") hosts = o->val;
    if (k == "hostaddr") hostaddrs = o->val;
    if (k == "port") ports = o->val;
  }
  PQconninfoFree(opts);
  if (!refused.empty())
    return rdbms::error(ErrorKind::ConnectionFailed,
                        "the connection setting `" + refused + "` is not supported");
  if (hosts.empty() && hostaddrs.empty())
    return rdbms::error(ErrorKind::ConnectionFailed, "the address names no host");
  std::vector<std::string> port_list = ports.empty() ? std::vector<std::string>{} : split(ports);
  // Every host and every hostaddr, each with the port at its position in
  // its own list (or the one port).
  std::vector<std::pair<std::string, std::string>> targets;
  for (const std::string* list : {&hosts, &hostaddrs}) {
    if (list->empty()) continue;
    std::vector<std::string> names = split(*list);
    for (size_t i = 0; i < names.size(); ++i)
      targets.emplace_back(names[i], i < port_list.size()    ? port_list[i]
                                     : port_list.size() == 1 ? port_list[0]
                                                             : std::string());
  }
  for (const auto& [h, port] : targets) {
    if (h.empty() || h[0] == '/' || h[0] == '@')
      return rdbms::error(ErrorKind::ConnectionFailed,
                          "Unix sockets are not supported on WebAssembly");
    std::string url = "postgres://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) +
                      (port.empty() ? "" : ":" + port);
    auto u = parse_url(url);
    if (!u || !allow_.allows(*u)) {
      log("connection to " + url +
          " denied; to allow it, add allowed_outbound_hosts = [\"postgres://" +
          u.value_or(Url{"postgres", h, 5432, "/"}).host + ":" +
          std::to_string(u ? u->port : 5432) + "\"] to the component in spin.toml");
      return rdbms::error(
          ErrorKind::ConnectionFailed,
          "address postgres://" + h + (port.empty() ? "" : ":" + port) + " is not permitted");
    }
  }
  return std::nullopt;
}

std::unique_ptr<Connection> Access::connect(const std::string& address, Deadline deadline,
                                            Error& error) const {
  if (auto e = check(address)) {
    error = *e;
    return nullptr;
  }
  auto conn = Pool::get(address)->acquire(deadline, error);
  if (!conn) log("cannot connect: " + error.message);
  return conn;
}

void Access::log(const std::string& what) const {
  std::fprintf(stderr, "component `%s`: outbound PostgreSQL: %s\n", component_.c_str(),
               what.c_str());
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
  static const PostgresCapability c;
  return c;
}

}  // namespace spindle::host::postgres

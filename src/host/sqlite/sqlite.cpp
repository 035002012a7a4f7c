#include "host/sqlite/sqlite.h"

#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "host/sqlite/query.h"
#include "host/stores.h"
#include "manifest/manifest.h"

namespace spindle::host::sqlite {

using namespace spindle::engine;

namespace {

// value variant of sqlite.wit in memory: 16 bytes, align 8; payload at +8.
constexpr uint32_t kValueSize = 16;

using Error = StoreError;

using Open = HandleTable<Database>;

const size_t kSlot = next_slot();
constexpr ValType I32 = ValType::I32;

bool put_error(Guest& g, uint32_t ret, const Error& e) { return put_store_error(g, ret, e, kIo); }

// The guest's list<value> parameters.
bool read_params(Guest& g, uint32_t ptr, uint32_t len, std::vector<SqlValue>& out) {
  if (len > (1u << 20)) return g.fail(TrapKind::HostError, "sqlite: too many parameters");
  for (uint32_t i = 0; i < len; ++i) {
    uint32_t at = ptr + i * kValueSize;
    SqlValue v;
    if (!g.load<uint8_t>(at, v.tag)) return false;
    switch (v.tag) {
      case kInteger:
        if (!g.load<int64_t>(at + 8, v.integer)) return false;
        break;
      case kReal:
        if (!g.load<double>(at + 8, v.real)) return false;
        break;
      case kText:
      case kBlob: {
        uint32_t p = 0, n = 0;
        if (!g.load<uint32_t>(at + 8, p) || !g.load<uint32_t>(at + 12, n) || !g.read(p, n, v.bytes))
          return false;
        break;
      }
      case kNull:
        break;
      default:
        return g.fail(TrapKind::HostError, "sqlite: parameter " + std::to_string(i) +
                                               " has an unknown value tag " +
                                               std::to_string(v.tag));
    }
    out.push_back(std::move(v));
  }
  return true;
}

// Writes the query-result (columns at ret+4, rows at ret+12), allocating
// in wit-bindgen's order.
bool put_result(Guest& g, uint32_t ret, const QueryResult& r) {
  uint32_t cols = 4, rows = 4;
  if (!g.alloc(4, static_cast<uint32_t>(r.columns.size() * 8), cols)) return false;
  for (size_t i = 0; i < r.columns.size(); ++i)
    if (!g.put_at(cols + static_cast<uint32_t>(i * 8), r.columns[i])) return false;
  if (!g.alloc(4, static_cast<uint32_t>(r.rows.size() * 8), rows)) return false;
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    uint32_t vals = 8;
    if (!g.alloc(8, static_cast<uint32_t>(row.size() * kValueSize), vals)) return false;
    for (size_t j = 0; j < row.size(); ++j) {
      uint32_t at = vals + static_cast<uint32_t>(j * kValueSize);
      const SqlValue& v = row[j];
      bool ok = g.store<uint8_t>(at, v.tag);
      if (v.tag == kInteger) ok = ok && g.store<int64_t>(at + 8, v.integer);
      if (v.tag == kReal) ok = ok && g.store<double>(at + 8, v.real);
      if (v.tag == kText || v.tag == kBlob) ok = ok && g.put_at(at + 8, v.bytes);
      if (!ok) return false;
    }
    uint32_t rat = rows + static_cast<uint32_t>(i * 8);
    if (!g.store<uint32_t>(rat, vals) ||
        !g.store<uint32_t>(rat + 4, static_cast<uint32_t>(row.size())))
      return false;
  }
  return g.store<uint8_t>(ret, 0) && g.store<uint32_t>(ret + 4, cols) &&
         g.store<uint32_t>(ret + 8, static_cast<uint32_t>(r.columns.size())) &&
         g.store<uint32_t>(ret + 12, rows) &&
         g.store<uint32_t>(ret + 16, static_cast<uint32_t>(r.rows.size()));
}

// The Spin 1 `sqlite` imports (wit-bindgen 0.2 ABI).
class Sqlite {
 public:
  static void link(Linker& linker) {
    void* self = nullptr;  // each call finds its component's Sqlite (bound<>)
    linker.define("sqlite", "open", HostFunc{FuncType{{I32, I32, I32}, {}}, &open, self});
    linker.define("sqlite", "execute",
                  HostFunc{FuncType{{I32, I32, I32, I32, I32, I32}, {}}, &exec, self});
    linker.define("sqlite", "close", HostFunc{FuncType{{I32}, {}}, &close, self});
  }

 private:
  // open(name_ptr, name_len, ret) -> expected<connection, error>; ret: 20 bytes.
  static Outcome open(HostCall& call, const engine::Value* a, engine::Value*) {
    const auto* self = bound<Access>(call, capability().index());
    if (!self) return not_configured("sqlite");
    Guest g(call);
    uint32_t ret = a[2].i32;
    std::string name;
    if (!g.read(a[0].i32, a[1].i32, name)) return g.outcome;
    bool ok =
        put_open(g, ret, self->allowed(), self->databases(), name, kMaxOpenConnections,
                 state_of(call).slot<Open>(kSlot), {kAccessDenied, kNoSuchDatabase, kDatabaseFull});
    return ok ? Outcome::success() : g.outcome;
  }

  // execute(conn, stmt_ptr, stmt_len, params_ptr, params_len, ret)
  //   -> expected<query-result, error>
  static Outcome exec(HostCall& call, const engine::Value* a, engine::Value*) {
    Guest g(call);
    uint32_t ret = a[5].i32;
    std::string sql;
    std::vector<SqlValue> params;
    if (!g.read(a[1].i32, a[2].i32, sql) || !read_params(g, a[3].i32, a[4].i32, params))
      return g.outcome;
    Database* db = state_of(call).slot<Open>(kSlot).get(a[0].i32);
    QueryResult result;
    std::optional<Error> err = db ? execute(*db, sql, params, result)
                                  : std::optional<Error>(Error{kInvalidConnection, ""});
    bool ok = err ? put_error(g, ret, *err) : put_result(g, ret, result);
    return ok ? Outcome::success() : g.outcome;
  }

  static Outcome close(HostCall& call, const engine::Value* a, engine::Value*) {
    state_of(call).slot<Open>(kSlot).close(a[0].i32);
    return Outcome::success();
  }
};

}  // namespace

namespace {

class App final : public AppState {
 public:
  explicit App(std::shared_ptr<const Databases> dbs) : dbs_(std::move(dbs)) {}
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.sqlite_databases, dbs_);
  }

 private:
  std::shared_ptr<const Databases> dbs_;
};

// Statements of `spindle up --sqlite` ("stmt" or @file.sql), run against
// `default` before the first version serves.
bool run_options(const AppContext& ctx, const Databases& dbs, std::string& error) {
  auto it = ctx.options.find("sqlite");
  if (it == ctx.options.end() || !ctx.first_load) return true;
  for (const std::string& stmt : it->second) {
    std::string sql = stmt;
    if (!stmt.empty() && stmt[0] == '@') {
      std::ifstream in(stmt.substr(1), std::ios::binary);
      if (!in) {
        error = "spindle up: --sqlite: cannot read " + stmt.substr(1);
        return false;
      }
      sql.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::string why;
    if (!run_statements(dbs, sql, why)) {
      error = "spindle up: --sqlite `" + stmt + "`: " + why;
      return false;
    }
  }
  return true;
}

class SqliteCapability final : public Capability {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::vector<std::string> runtime_sections() const override { return {"sqlite_database"}; }
  void link(Linker& linker) const override { Sqlite::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }

  // Opens every database some component lists (`default`: <state>/sqlite_db.db
  // unless the runtime config maps it), then runs --sqlite statements.
  std::shared_ptr<const AppState> configure(const AppContext& ctx,
                                            std::string& error) const override {
    std::vector<std::string> labels;
    for (const manifest::Component& c : ctx.app.components)
      labels.insert(labels.end(), c.sqlite_databases.begin(), c.sqlite_databases.end());
    auto opt = ctx.options.find("sqlite");
    if (opt != ctx.options.end() && !opt->second.empty()) labels.push_back("default");
    auto open = [](const std::string&, const StoreConfig& cfg, std::string& why) {
      return Database::open(cfg.path ? cfg.path->string() : ":memory:", why);
    };
    auto dbs = open_labels<Database>(ctx.runtime, "sqlite_database", {"spin"}, labels,
                                     (ctx.state_dir / "sqlite_db.db").string(), "sqlite database",
                                     open, error);
    if (!dbs) return nullptr;
    if (!run_options(ctx, *dbs, error)) return nullptr;
    return std::make_shared<App>(std::move(dbs));
  }
};

}  // namespace

const Capability& capability() {
  static const SqliteCapability c;
  return c;
}

bool run_statements(const Databases& dbs, const std::string& sql, std::string& error) {
  auto it = dbs.find("default");
  if (it == dbs.end()) {
    error = "no component uses the `default` sqlite database";
    return false;
  }
  return it->second->exec(sql, error);
}

}  // namespace spindle::host::sqlite

// spindle::sqlite::Connection through the SDK.
//   POST /<db>?<params>  body: one statement. Parameters ('&'-separated):
//                        i:<int> r:<real> t:<text> b:<bytes as blob> n (null).
//                        Answers "columns: a,b" then one line per row, values as
//                        i:1 r:2.5 t:x b:<hex> n, separated by '|';
//                        or "error <kind>: <message>".
//   GET  /<db>/named     a table filled with initializer-list parameters of every
//                        type, read back by column name (Row::get)
//   GET  /<db>/churn?n=N N selects of text and blob rows; "pages <before> <after>"
#include <cstdio>
#include <cstdlib>
#include <spindle/http.hpp>
#include <spindle/sqlite.hpp>

namespace {

using spindle::Params;
using spindle::Request;
using spindle::Response;
namespace sql = spindle::sqlite;

Response fail(const spindle::Error& e) { return Response::text("error " + e.describe()); }

std::string show(const sql::Value& v) {
  switch (v.type()) {
    case sql::Value::Type::Null:
      return "n";
    case sql::Value::Type::Integer:
      return "i:" + std::to_string(*v.as_int());
    case sql::Value::Type::Real: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "r:%g", *v.as_real());
      return buf;
    }
    case sql::Value::Type::Text:
      return "t:" + std::string(*v.as_text());
    case sql::Value::Type::Blob: {
      std::string out = "b:";
      std::span<const uint8_t> bytes = *v.as_blob();
      for (uint8_t b : bytes) {
        out += spindle::detail::kHexDigits[b >> 4];
        out += spindle::detail::kHexDigits[b & 15];
      }
      return out;
    }
  }
  return "?";
}

std::string show(const sql::QueryResult& r) {
  std::string out = "columns: ";
  for (size_t i = 0; i < r.columns.size(); ++i) out += (i ? "," : "") + r.columns[i];
  out += "\n";
  for (const sql::Row& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + show(row[i]);
    out += "\n";
  }
  return out;
}

sql::Value parse_param(std::string_view s) {
  if (s == "n") return nullptr;
  std::string rest(s.substr(s.size() >= 2 ? 2 : s.size()));
  switch (s[0]) {
    case 'i':
      return static_cast<int64_t>(std::strtoll(rest.c_str(), nullptr, 10));
    case 'r':
      return std::strtod(rest.c_str(), nullptr);
    case 'b':
      return sql::Value::blob(rest);
    default:
      return rest;
  }
}

spindle::Router make_router() {
  spindle::Router r;
  r.post("/:db", [](const Request& req, const Params& p) {
    auto db = sql::Connection::open(p["db"]);
    if (!db) return fail(db.error());
    std::vector<sql::Value> params;
    for (const auto& [name, value] : req.query_params()) params.push_back(parse_param(name));
    auto res = db->execute(req.body(), params);
    if (!res) return fail(res.error());
    return Response::text(show(*res));
  });
  r.get("/:db/named", [](const Request&, const Params& p) {
    auto db = sql::Connection::open(p["db"]);
    if (!db) return fail(db.error());
    for (const char* stmt : {"DROP TABLE IF EXISTS named",
                             "CREATE TABLE named (id INTEGER, name TEXT, score REAL, "
                             "raw BLOB, note)"})
      if (auto ok = db->execute(stmt); !ok) return fail(ok.error());
    std::string bytes("\x00\x01\xff", 3);
    auto ins = db->execute("INSERT INTO named VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)",
                           {1, "ada", 2.5, sql::Value::blob(bytes), nullptr,  //
                            int64_t{-9000000000}, std::string("bob"), 0.25f, sql::Blob{'h', 'i'},
                            std::optional<std::string>("x")});
    if (!ins) return fail(ins.error());
    auto res = db->execute("SELECT * FROM named ORDER BY id");
    if (!res) return fail(res.error());
    sql::QueryResult copy = *res;  // rows of a copy find its own columns
    res = db->execute("SELECT 1 AS other");
    std::string out;
    for (const sql::Row& row : copy.rows) {
      out += std::to_string(row.get("id").as_int().value_or(0)) + " " +
             std::string(row["name"].as_text().value_or("?")) + " " + show(row.get("score")) + " " +
             show(row.get("raw")) + " " + show(row.get("note")) +
             " missing=" + (row.has("nope") ? "yes" : "no") + "," + show(row.get("nope")) + "\n";
    }
    return Response::text(out);
  });
  r.get("/:db/churn", [](const Request& req, const Params& p) {
    auto db = sql::Connection::open(p["db"]);
    if (!db) return fail(db.error());
    int n = std::atoi(req.query_param("n").value_or("100").c_str());
    std::string big(32 * 1024, 'x');
    if (auto ok = db->execute("CREATE TABLE IF NOT EXISTS churn (t TEXT, b BLOB)"); !ok)
      return fail(ok.error());
    if (auto ok = db->execute("DELETE FROM churn"); !ok) return fail(ok.error());
    auto ins = db->execute("INSERT INTO churn VALUES (?, ?)", {big, sql::Value::blob(big)});
    if (!ins) return fail(ins.error());
    size_t before = __builtin_wasm_memory_size(0);
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
      auto res = db->execute("SELECT t, b, 1 AS one FROM churn");
      if (!res) return fail(res.error());
      total += res->rows.at(0)[0].as_text()->size() + res->rows.at(0)[1].as_blob()->size();
    }
    size_t after = __builtin_wasm_memory_size(0);
    return Response::text("pages " + std::to_string(before) + " " + std::to_string(after) +
                          " bytes " + std::to_string(total));
  });
  return r;
}

Response handle(const Request& req) {
  static const spindle::Router router = make_router();
  return router.handle(req);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

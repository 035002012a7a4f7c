// spindle::postgres and spindle::mysql through the SDK (Spin 1 imports).
//   POST /<pg|mysql>/<query|execute>?<params>   body: one statement; the
//        server is $PG_ADDRESS / $MYSQL_ADDRESS. Parameters ('&'-separated):
//        i:<int32> l:<int64> u:<uint32> r:<double> f:<float> t:<text>
//        b:<bytes as binary> bool:<0|1> n (null).
//        Answers "columns: name:type,..." then one line per row (values as
//        i:1 l:2 u:3 r:2.5 t:x b:<hex> bool:1 n unsupported, '|' between),
//        "ok <rows>" / "ok", or "error <kind>: <message>".
//   GET  /pg/typed   initializer-list parameters of every kind, read back by
//        column name (Row::get)
#include <cstdio>
#include <cstdlib>
#include <spindle/http.hpp>
#include <spindle/mysql.hpp>
#include <spindle/postgres.hpp>

namespace {

using spindle::Params;
using spindle::Request;
using spindle::Response;
namespace db = spindle::rdbms;

Response fail(const spindle::Error& e) { return Response::text("error " + e.describe()); }

std::string show(const db::Value& v) {
  using T = db::Value::Type;
  char buf[48];
  switch (v.type()) {
    case T::Null:
      return "n";
    case T::Unsupported:
      return "unsupported";
    case T::Boolean:
      return std::string("bool:") + (*v.as_bool() ? "1" : "0");
    case T::Int64:
      return "l:" + std::to_string(*v.as_int());
    case T::Uint8:
    case T::Uint16:
    case T::Uint32:
    case T::Uint64:
      return "u:" + std::to_string(*v.as_uint());
    case T::Floating32:
    case T::Floating64:
      std::snprintf(buf, sizeof buf, "%s:%g", v.type() == T::Floating32 ? "f" : "r", *v.as_real());
      return buf;
    case T::Str:
      return "t:" + std::string(*v.as_text());
    case T::Binary: {
      std::string out = "b:";
      std::span<const uint8_t> bytes = *v.as_binary();
      for (uint8_t b : bytes) {
        out += spindle::detail::kHexDigits[b >> 4];
        out += spindle::detail::kHexDigits[b & 15];
      }
      return out;
    }
    default:
      return "i:" + std::to_string(*v.as_int());
  }
}

std::string show(const db::RowSet& r) {
  static const char* types[] = {"boolean",    "int8",   "int16",  "int32",  "int64",
                                "uint8",      "uint16", "uint32", "uint64", "floating32",
                                "floating64", "str",    "binary", "null",   "other"};
  std::string out = "columns: ";
  for (size_t i = 0; i < r.columns.size(); ++i)
    out += (i ? "," : "") + r.columns[i].name + ":" + types[static_cast<int>(r.columns[i].type)];
  out += "\n";
  for (const db::Row& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + show(row[i]);
    out += "\n";
  }
  return out;
}

db::Value parse_param(std::string_view s) {
  if (s == "n") return nullptr;
  auto colon = s.find(':');
  std::string kind(s.substr(0, colon));
  std::string rest(colon == std::string_view::npos ? "" : s.substr(colon + 1));
  if (kind == "i") return static_cast<int32_t>(std::strtol(rest.c_str(), nullptr, 10));
  if (kind == "l") return static_cast<int64_t>(std::strtoll(rest.c_str(), nullptr, 10));
  if (kind == "u") return static_cast<uint32_t>(std::strtoul(rest.c_str(), nullptr, 10));
  if (kind == "r") return std::strtod(rest.c_str(), nullptr);
  if (kind == "f") return std::strtof(rest.c_str(), nullptr);
  if (kind == "b") return db::Value::binary(rest);
  if (kind == "bool") return rest == "1";
  return rest;
}

std::string address(bool pg) {
  const char* a = std::getenv(pg ? "PG_ADDRESS" : "MYSQL_ADDRESS");
  return a ? a : "";
}

Response run(const Request& req, const Params& p) {
  bool pg = p["db"] == "pg";
  std::vector<db::Value> params;
  for (const auto& [name, value] : req.query_params())
    params.push_back(parse_param(value.empty() ? name : name + ":" + value));
  std::string addr = address(pg);
  if (p["op"] == "query") {
    auto r = pg ? spindle::postgres::query(addr, req.body(), params)
                : spindle::mysql::query(addr, req.body(), params);
    return r ? Response::text(show(*r)) : fail(r.error());
  }
  if (pg) {
    auto n = spindle::postgres::execute(addr, req.body(), params);
    return n ? Response::text("ok " + std::to_string(*n)) : fail(n.error());
  }
  auto ok = spindle::mysql::execute(addr, req.body(), params);
  return ok ? Response::text("ok") : fail(ok.error());
}

spindle::Router make_router() {
  spindle::Router r;
  r.post("/:db/:op", run);
  r.get("/pg/typed", [](const Request&, const Params&) {
    auto res = spindle::postgres::query(
        address(true), "SELECT $1 AS a, $2 AS b, $3 AS c, $4 AS d, $5 AS e, $6 AS f, $7 AS g",
        {true, int16_t{-2}, 7, int64_t{1} << 40, 0.5f, std::string("txt"), std::optional<int>()});
    if (!res) return fail(res.error());
    db::RowSet copy = *res;  // rows of a copy find its own columns
    std::string out;
    for (const char* name : {"a", "b", "c", "d", "e", "f", "g", "missing"})
      out += std::string(name) + "=" + show(copy.rows.at(0).get(name)) + " ";
    return Response::text(out);
  });
  return r;
}

Response handle(const Request& req) {
  static const spindle::Router router = make_router();
  return router.handle(req);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

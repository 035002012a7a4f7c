// spindle::http::send / get / post and spindle::redis::Connection through the
// SDK. Errors answer "error <kind>: <message>".
//   POST /get    body: a URL; GET with header x-sdk: 1. Answers
//                "status <n>\n<name>: <value>\n...\n\n<body>"
//   POST /post   body: a URL; POST "payload" as text/plain
//   POST /send   body: a URL; PUT "put-body" with headers x-one, X-Two
//   GET  /redis?addr=<redis url>  a sequence of commands on keys sdk:*, one
//                result per line
#include <algorithm>
#include <spindle/http.hpp>
#include <spindle/outbound_http.hpp>
#include <spindle/redis.hpp>

namespace {

using spindle::Request;
using spindle::Response;

Response fail(const spindle::Error& e) { return Response::text("error " + e.describe()); }

Response show(const spindle::Result<spindle::http::OutboundResponse>& r) {
  if (!r) return fail(r.error());
  std::string out = "status " + std::to_string(r->status) + "\n";
  for (const auto& [k, v] : r->headers) out += k + ": " + v + "\n";
  out += "lookup X-PEER: " + std::string(r->header("X-PEER").value_or("(none)")) + "\n";
  return Response::text(out + "\n" + r->body);
}

template <class T>
std::string line(const char* what, const spindle::Result<T>& r) {
  std::string out = std::string(what) + " ";
  if (!r) return out + "error " + r.error().describe() + "\n";
  if constexpr (std::is_same_v<T, void>) {
    return out + "ok\n";
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return out + std::to_string(*r) + "\n";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return out + "'" + *r + "'\n";
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::vector<std::string> sorted = *r;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& s : sorted) out += s + ",";
    return out + "\n";
  } else {
    for (const spindle::redis::Value& v : *r) {
      switch (v.kind) {
        case spindle::redis::Value::Kind::Nil:
          out += "nil ";
          break;
        case spindle::redis::Value::Kind::Status:
          out += "status:" + v.bytes + " ";
          break;
        case spindle::redis::Value::Kind::Int64:
          out += "int:" + std::to_string(v.integer) + " ";
          break;
        case spindle::redis::Value::Kind::Binary:
          out += "bin:" + v.bytes + " ";
          break;
      }
    }
    return out + "\n";
  }
}

Response redis_script(const Request& req) {
  spindle::redis::Connection r(req.query_param("addr").value_or(""));
  std::string out;
  out += line("set", r.set("sdk:greeting", "hello"));
  out += line("get", r.get("sdk:greeting"));
  out += line("get-missing", r.get("sdk:missing"));
  out += line("incr", r.incr("sdk:counter"));
  out += line("incr", r.incr("sdk:counter"));
  out += line("sadd", r.sadd("sdk:set", {"a", "b", "c"}));
  std::vector<std::string> gone{"b", "zz"};
  out += line("srem", r.srem("sdk:set", gone));
  out += line("smembers", r.smembers("sdk:set"));
  out += line("execute", r.execute("INCRBY", {"sdk:counter", 40}));
  std::string field = "name";
  out += line("execute", r.execute("HSET", {"sdk:hash", field, "ada"}));
  out += line("execute", r.execute("HGET", {"sdk:hash", "name"}));
  out += line("execute", r.execute("PING"));
  out += line("execute", r.execute("SET", {"sdk:tmp", "1"}));  // OK is left out
  out += line("del", r.del("sdk:tmp", std::string("sdk:nothing")));
  out += line("wrongtype", r.incr("sdk:set"));
  out += line("publish", r.publish("sdk-events", "from-sdk"));
  return Response::text(out);
}

Response handle(const Request& req) {
  std::string url(req.body());
  if (req.path() == "/get") return show(spindle::http::get(url, {{"x-sdk", "1"}}));
  if (req.path() == "/post") return show(spindle::http::post(url, "payload", "text/plain"));
  if (req.path() == "/send") {
    spindle::http::OutboundRequest out;
    out.method = spindle::Method::Put;
    out.url = url;
    out.headers = {{"x-one", "1"}, {"X-Two", "two"}};
    out.body = "put-body";
    return show(spindle::http::send(out));
  }
  if (req.path() == "/redis") return redis_script(req);
  return Response::not_found();
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

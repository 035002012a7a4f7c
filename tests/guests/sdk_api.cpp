// The C++ SDK's API under test (tests/integration/sdk_test.cpp): one routed
// component whose endpoints report what the SDK parsed or built.
#include <cstdint>
#include <spindle/http.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using spindle::Params;
using spindle::Request;
using spindle::Response;
namespace json = spindle::json;

std::string s(std::string_view v) { return std::string(v); }

// Everything the request says about where it came from.
Response info(const Request& req) {
  return Response::json(json::Object()
                            .add("method", req.method_name())
                            .add("uri", req.uri())
                            .add("path", req.path())
                            .add("query", req.query())
                            .add("route_path", spindle::Router::route_path(req))
                            .add("path_info", req.path_info())
                            .add("matched_route", req.matched_route())
                            .add("full_url", req.full_url())
                            .add("base_path", req.base_path())
                            .add("component_route", req.component_route())
                            .add("raw_component_route", req.raw_component_route())
                            .add("client_addr", req.client_addr())
                            .add("name", req.route_param("name")));
}

Response headers(const Request& req) {
  return Response(200)
      .header("x-agent", req.header("USER-AGENT").value_or("none"))
      .header("x-custom", req.header("x-custom-HEADER").value_or("none"))
      .header("x-missing", req.header("x-not-sent") ? "present" : "absent")
      .header("x-content-type", req.content_type())
      .header("x-count", std::to_string(req.headers().size()))
      .header("set-cookie", "a=1")
      .header("Set-Cookie", "b=2")
      .body("headers\n");
}

Response query(const Request& req) {
  json::Array pairs;
  for (const auto& [k, v] : req.query_params()) pairs.add(json::Array().add(k).add(v));
  return Response::json(json::Object()
                            .add("raw", req.query())
                            .add("a", req.query_param("a"))
                            .add("all_a", req.query_params().get_all("a"))
                            .add("has_flag", req.query_params().has("flag"))
                            .add("count", req.query_params().size())
                            .add("pairs", pairs));
}

// Every kind of value the builder takes.
Response json_values(const Request&) {
  std::vector<int> nums = {1, -2, 3};
  std::optional<std::string> none;
  return Response::json(json::Object()
                            .add("quote", "say \"hi\"")
                            .add("backslash", "a\\b")
                            .add("controls", std::string_view("\n\r\t\b\f\x01\x1f\x00", 8))
                            .add("unicode", "é€😀")
                            .add("ints", nums)
                            .add("big", int64_t{-9007199254740993})
                            .add("unsigned", uint64_t{18446744073709551615u})
                            .add("double", 0.1)
                            .add("third", 1.0 / 3)
                            .add("whole", 2.0)
                            .add("nan", 0.0 / 0.0)
                            .add("yes", true)
                            .add("no", false)
                            .add("null", nullptr)
                            .add("none", none)
                            .add("some", std::optional<int>(7))
                            .add("raw", json::Raw{"{\"pre\":[1]}"})
                            .add("empty_obj", json::Object())
                            .add("empty_arr", json::Array())
                            .add("nested", json::Array().add(json::Object().add("k", "v")).add(1)),
                        201);
}

// FNV-1a of the body bytes, in hex.
std::string fnv(std::span<const uint8_t> bytes) {
  uint32_t h = 2166136261u;
  for (uint8_t b : bytes) h = (h ^ b) * 16777619u;
  std::string out;
  for (int i = 28; i >= 0; i -= 4) out += "0123456789abcdef"[(h >> i) & 15];
  return out;
}

Response echo(const Request& req) {
  return Response(200)
      .header("x-len", std::to_string(req.body_bytes().size()))
      .header("x-fnv", fnv(req.body_bytes()))
      .body(req.body());
}

// n bytes: byte i is (i * 31 + 7) mod 256.
Response big(const Request&, const Params& p) {
  size_t n = 0;
  for (char c : p["n"]) n = n * 10 + static_cast<size_t>(c - '0');
  std::string body(n, '\0');
  for (size_t i = 0; i < n; ++i) body[i] = static_cast<char>((i * 31 + 7) & 0xFF);
  return Response(200).header("content-type", "application/octet-stream").body(std::move(body));
}

Response results(const Request&) {
  spindle::Result<int> good = 5;
  spindle::Result<int> bad = spindle::Error(spindle::ErrorKind::NotFound, "no-such-key");
  spindle::Result<void> done;
  spindle::Result<std::string> text = std::string("text");
  return Response::json(json::Object()
                            .add("good", good ? *good : -1)
                            .add("bad_ok", bad.ok())
                            .add("bad_or", bad.value_or(9))
                            .add("bad_error", bad.error().describe())
                            .add("void_ok", done.ok())
                            .add("text_len", text->size()));
}

spindle::Router make_router() {
  spindle::Router r;
  r.get("/", info);
  r.get("/info", info);
  r.get("/headers", headers);
  r.get("/query", query);
  r.get("/json", json_values);
  r.post("/quote", [](const Request& req) { return Response::json(json::quote(req.body())); });
  r.get("/url", [](const Request& req) {
    return Response::text(spindle::url_encode(req.query_param("s").value_or("")));
  });
  r.post("/echo", echo);
  r.get("/big/:n", big);
  r.get("/items/:id",
        [](const Request&, const Params& p) { return Response::text("get " + s(p["id"])); });
  r.put("/items/:id", [](const Request& req, const Params& p) {
    return Response::text("put " + s(p.get("id").value_or("?")) + " " + s(req.body()));
  });
  r.del("/items/:id", [](const Request&, const Params& p) {
    return Response::text("delete " + s(p["id"]), 202);
  });
  r.get("/users/:uid/posts/:pid", [](const Request&, const Params& p) {
    return Response::json(json::Object()
                              .add("uid", p["uid"])
                              .add("pid", p["pid"])
                              .add("first", p[0].second)
                              .add("count", p.size()));
  });
  // Captures (copied into the router).
  std::string prefix = "files:";
  r.any("/files/*", [prefix](const Request& req, const Params& p) {
    return Response::text(prefix + s(p["*"]) + " method:" + s(req.method_name()));
  });
  r.get("/redirect", [](const Request&) { return Response::redirect("/target", 301); });
  r.get("/found", [](const Request&) { return Response::redirect("/target?x=1"); });
  r.get("/html", [](const Request&) { return Response::html("<p>hi</p>"); });
  r.get("/error", [](const Request&) { return Response::error(418, "teapot"); });
  r.get("/result", results);
  return r;
}

Response handle(const Request& req) {
  static const spindle::Router router = make_router();
  return router.handle(req);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

// One C++ handler built twice (CMakeLists.txt): as a Spin 1 module
// (sdk_both_spin1.wasm) and, with -DSPINDLE_WASI_HTTP, as a wasi:http
// component (sdk_both_wasi.wasm). tests/integration/sdk_wasi_http_test.cpp
// serves both with `spindle up` and expects the same answers.
//
//   GET  /hello              200 text/plain "hello\n", x-init (a static constructor ran)
//   ANY  /echo?...           200, the body back; x-method, x-uri, x-path, x-query,
//                            x-a (query_param("a")), x-content-type, x-body-size
//   GET  /route              200 JSON of the spin-* fields of the Request
//   GET  /headers            200 JSON: x-custom looked up as "X-Custom", and
//                            how many spin-* headers came
//   GET  /status/:n          status n, "status n\n"
//   GET  /big?kb=N           N KiB of "0123456789abcdef" lines
//   GET  /json               a JSON object (Response::json)
//   GET  /redirect           302 to /hello
//   GET  /abort              abort(): the host answers 500
//   anything else           the router's 404 / 405
#include <cstdlib>
#include <spindle/http.hpp>

using spindle::Params;
using spindle::Request;
using spindle::Response;
namespace json = spindle::json;

namespace {

struct Init {
  std::string value = "constructed";
};
Init g_init;  // needs _initialize (static constructors) to have run

Response echo(const Request& req) {
  return Response(200)
      .header("x-method", req.method_name())
      .header("x-uri", req.uri())
      .header("x-path", req.path())
      .header("x-query", req.query())
      .header("x-a", req.query_param("a").value_or("(none)"))
      .header("x-content-type", req.content_type())
      .header("x-body-size", std::to_string(req.body().size()))
      .header("content-type", "application/octet-stream")
      .body(req.body());
}

Response route(const Request& req) {
  return Response::json(json::Object()
                            .add("path_info", req.path_info())
                            .add("matched_route", req.matched_route())
                            .add("full_url", req.full_url())
                            .add("base_path", req.base_path())
                            .add("component_route", req.component_route())
                            .add("raw_component_route", req.raw_component_route())
                            .add("id", req.route_param("id"))
                            .add("has_client_addr", !req.client_addr().empty())
                            .add("route_path", spindle::Router::route_path(req)));
}

Response headers(const Request& req) {
  int spin = 0;
  for (const auto& [name, value] : req.headers())
    if (name.rfind("spin-", 0) == 0) ++spin;
  return Response::json(json::Object()
                            .add("custom", req.header("X-Custom"))
                            .add("missing", req.header("x-missing"))
                            .add("spin_headers", spin));
}

Response big(const Request& req) {
  size_t kb = std::strtoul(req.query_param("kb").value_or("1").c_str(), nullptr, 10);
  std::string body;
  body.reserve(kb * 1024);
  for (size_t i = 0; i < kb * 64; ++i) body += "0123456789abcde\n";
  return Response::text(std::move(body));
}

spindle::Router make_router() {
  spindle::Router r;
  r.get("/hello",
        [](const Request&) { return Response::text("hello\n").header("x-init", g_init.value); });
  r.any("/echo", echo);
  r.get("/route", route);
  r.get("/", route);  // an exact manifest route: path info "", routed as "/"
  r.get("/headers", headers);
  r.get("/status/:n", [](const Request&, const Params& p) {
    uint16_t n = static_cast<uint16_t>(std::strtoul(std::string(p["n"]).c_str(), nullptr, 10));
    return Response::text("status " + std::string(p["n"]) + "\n", n);
  });
  r.get("/big", big);
  r.get("/json", [](const Request&) {
    return Response::json(json::Object().add("ok", true).add("n", 42).add("s", "a \"q\""));
  });
  r.get("/redirect", [](const Request&) { return Response::redirect("/hello"); });
  r.get("/abort", [](const Request&) -> Response { std::abort(); });
  return r;
}

}  // namespace

Response handle(const Request& req) {
  static const spindle::Router router = make_router();
  return router.handle(req);
}

SPINDLE_HTTP_COMPONENT(handle)

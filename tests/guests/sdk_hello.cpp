// A component written with spindle's C++ SDK: one handler, a router.
#include <cstdlib>
#include <spindle/http.hpp>

namespace {

spindle::Router make_router() {
  spindle::Router r;
  r.get("/", [](const spindle::Request&, const spindle::Router::Params&) {
    return spindle::Response(200).header("content-type", "text/plain").body("hello\n");
  });
  r.get("/items/:id", [](const spindle::Request& req, const spindle::Router::Params& p) {
    std::string body = "{\"id\":" + spindle::json::quote(p[0].second) +
                       ",\"q\":" + spindle::json::quote(req.query_param("q").value_or("")) + "}";
    return spindle::Response::json(body);
  });
  r.post("/echo", [](const spindle::Request& req, const spindle::Router::Params&) {
    return spindle::Response(201)
        .header("x-content-type", std::string(req.header("Content-Type").value_or("none")))
        .header("x-path-info", std::string(req.path_info()))
        .body(std::string(req.body()));
  });
  r.get("/moved", [](const spindle::Request&, const spindle::Router::Params&) {
    return spindle::Response::redirect("/items/1");
  });
  r.get("/abort", [](const spindle::Request&, const spindle::Router::Params&) -> spindle::Response {
    std::abort();
  });
  return r;
}

spindle::Response handle(const spindle::Request& req) {
  static const spindle::Router router = make_router();
  return router.handle(req);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

// spindle::kv::Store through the SDK. Routes (errors answer
// "error <kind>: <message>"):
//   GET  /<store>/get/<key>     "value=<v>", or "none" for a missing key
//   POST /<store>/set/<key>     stores the body; "ok"
//   GET  /<store>/exists/<key>  "true" / "false"
//   GET  /<store>/keys          the keys, one per line
//   POST /<store>/delete/<key>  "ok"
//   GET  /<store>/closed/<key>  get after close() (invalid-store)
//   GET  /<store>/moved         two handles, a move-assignment, then keys through both
//   GET  /<store>/churn/<key>?n=N  N gets and keys of <key>; "pages <before> <after>"
//                               (linear memory pages: results are freed, so no growth)
#include <cstdlib>
#include <spindle/http.hpp>
#include <spindle/kv.hpp>

namespace {

using spindle::Params;
using spindle::Request;
using spindle::Response;
namespace kv = spindle::kv;

Response fail(const spindle::Error& e) { return Response::text("error " + e.describe()); }

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += k + "\n";
  return out;
}

spindle::Router make_router() {
  spindle::Router r;
  r.get("/:store/get/:key", [](const Request&, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    auto v = store->get(p["key"]);
    if (!v) return fail(v.error());
    return Response::text(*v ? "value=" + **v : std::string("none"));
  });
  r.post("/:store/set/:key", [](const Request& req, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    if (auto ok = store->set(p["key"], req.body()); !ok) return fail(ok.error());
    return Response::text("ok");
  });
  r.get("/:store/exists/:key", [](const Request&, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    auto e = store->exists(p["key"]);
    if (!e) return fail(e.error());
    return Response::text(*e ? "true" : "false");
  });
  r.get("/:store/keys", [](const Request&, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    auto keys = store->keys();
    if (!keys) return fail(keys.error());
    return Response::text(join(*keys));
  });
  r.post("/:store/delete/:key", [](const Request&, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    if (auto ok = store->remove(p["key"]); !ok) return fail(ok.error());
    return Response::text("ok");
  });
  r.get("/:store/closed/:key", [](const Request&, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    store->close();
    auto v = store->get(p["key"]);
    if (!v) return fail(v.error());
    return Response::text("still open");
  });
  r.get("/:store/moved", [](const Request&, const Params& p) {
    auto a = kv::Store::open(p["store"]);
    auto b = kv::Store::open(p["store"]);
    if (!a || !b) return fail(a ? b.error() : a.error());
    kv::Store c = std::move(*a);
    *b = std::move(c);  // closes b's first handle
    auto keys = b->keys();
    auto stale = a->keys();  // moved-from: closed
    return Response::text(std::string(keys ? "keys ok" : "keys failed") + ", moved-from " +
                          (stale ? std::string("open") : stale.error().describe()));
  });
  r.get("/:store/churn/:key", [](const Request& req, const Params& p) {
    auto store = kv::Store::open(p["store"]);
    if (!store) return fail(store.error());
    int n = std::atoi(req.query_param("n").value_or("100").c_str());
    size_t before = __builtin_wasm_memory_size(0);
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
      auto v = store->get(p["key"]);
      auto k = store->keys();
      if (!v || !k || !*v) return fail(v ? k.error() : v.error());
      total += (*v)->size() + k->size();
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

// A tiny router for components that serve several paths.
//
//   spindle::Router r;
//   r.get("/items", list_items);                                  // (const Request&)
//   r.get("/items/:id", [](const spindle::Request& req, const spindle::Params& p) {
//     return spindle::Response::text(std::string(p["id"]));     // decoded segment
//   });
//   r.any("/static/*", serve_file);                                // p["*"] = rest of the path
//   return r.handle(req);
//
// Patterns are '/'-separated segments: a literal, `:name` (one segment,
// percent-decoded into the parameter), or a last `*` (also spelled `...`:
// zero or more further segments, left raw in the parameter "*"). Empty
// segments are ignored, so "/items/" matches "/items". Routes are tried in the
// order they were added. A path no route matches gets 404; a path some route
// matches with another method gets 405 with an Allow header. HEAD falls back
// to the GET route.
//
// The path matched is the request's spin-path-info: relative to the
// component's route, so a component mounted at "/api/..." routes "/api/items"
// as "/items" (an exact manifest route has the path "/"). Without that header
// (not under Spin or spindle) the request path is used.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "request.hpp"
#include "response.hpp"
#include "url.hpp"

namespace spindle {

class Router {
 public:
  using Params = spindle::Params;

  // A copyable type-erased handler: a function or lambda taking
  // (const Request&, const Params&) or (const Request&), returning Response.
  // (Not std::function: keeps <functional> out of every component.)
  class Handler {
   public:
    template <class F, class D = std::decay_t<F>,
              class = std::enable_if_t<!std::is_same_v<D, Handler>>>
    Handler(F&& f)  // NOLINT: implicit on purpose
        : obj_(new D(std::forward<F>(f))),
          call_([](const void* o, const Request& req, const Params& p) -> Response {
            const D& fn = *static_cast<const D*>(o);
            if constexpr (std::is_invocable_v<const D&, const Request&, const Params&>)
              return fn(req, p);
            else
              return fn(req);
          }),
          clone_([](const void* o) -> void* { return new D(*static_cast<const D*>(o)); }),
          drop_([](void* o) { delete static_cast<D*>(o); }) {
      static_assert(std::is_invocable_v<const D&, const Request&, const Params&> ||
                        std::is_invocable_v<const D&, const Request&>,
                    "a route handler takes (const Request&, const Params&) or (const Request&)");
    }
    Handler(const Handler& o)
        : obj_(o.clone_(o.obj_)), call_(o.call_), clone_(o.clone_), drop_(o.drop_) {}
    Handler(Handler&& o) noexcept
        : obj_(std::exchange(o.obj_, nullptr)), call_(o.call_), clone_(o.clone_), drop_(o.drop_) {}
    Handler& operator=(Handler o) noexcept {
      std::swap(obj_, o.obj_);
      std::swap(call_, o.call_);
      std::swap(clone_, o.clone_);
      std::swap(drop_, o.drop_);
      return *this;
    }
    ~Handler() {
      if (obj_) drop_(obj_);
    }

    Response operator()(const Request& req, const Params& p) const { return call_(obj_, req, p); }

   private:
    void* obj_;
    Response (*call_)(const void*, const Request&, const Params&);
    void* (*clone_)(const void*);
    void (*drop_)(void*);
  };

  Router& get(std::string_view pattern, Handler h) {
    return add(Method::Get, pattern, std::move(h));
  }
  Router& post(std::string_view pattern, Handler h) {
    return add(Method::Post, pattern, std::move(h));
  }
  Router& put(std::string_view pattern, Handler h) {
    return add(Method::Put, pattern, std::move(h));
  }
  Router& patch(std::string_view pattern, Handler h) {
    return add(Method::Patch, pattern, std::move(h));
  }
  Router& del(std::string_view pattern, Handler h) {
    return add(Method::Delete, pattern, std::move(h));
  }
  Router& head(std::string_view pattern, Handler h) {
    return add(Method::Head, pattern, std::move(h));
  }
  Router& options(std::string_view pattern, Handler h) {
    return add(Method::Options, pattern, std::move(h));
  }
  // Any method.
  Router& any(std::string_view pattern, Handler h) {
    return add(std::nullopt, pattern, std::move(h));
  }
  Router& add(std::optional<Method> method, std::string_view pattern, Handler h) {
    Route r{method, {}, false, std::move(h)};
    for (auto s : split(pattern)) r.segments.emplace_back(s);
    if (!r.segments.empty() && (r.segments.back() == "*" || r.segments.back() == "...")) {
      r.wildcard = true;
      r.segments.pop_back();
    }
    routes_.push_back(std::move(r));
    return *this;
  }

  // The path routed: spin-path-info (or the request path), "/" when empty.
  static std::string_view route_path(const Request& req) {
    auto info = req.header("spin-path-info");
    std::string_view path = info ? *info : req.path();
    return path.empty() ? "/" : path;
  }

  Response handle(const Request& req) const {
    std::string_view path = route_path(req);
    auto got = split(path);
    unsigned allowed = 0;  // bit per Method, for 405's Allow
    const Route* head_fallback = nullptr;
    Params head_params;
    for (const auto& r : routes_) {
      Params params;
      if (!match(r, got, path, params)) continue;
      if (!r.method || *r.method == req.method()) return r.handler(req, params);
      allowed |= 1u << static_cast<int>(*r.method);
      if (req.method() == Method::Head && *r.method == Method::Get && !head_fallback) {
        head_fallback = &r;
        head_params = std::move(params);
      }
    }
    if (head_fallback) return head_fallback->handler(req, head_params);
    if (!allowed) return Response::not_found();
    std::string allow;
    if (allowed & (1u << static_cast<int>(Method::Get)))
      allowed |= 1u << static_cast<int>(Method::Head);
    for (int m = 0; m <= static_cast<int>(Method::Options); ++m) {
      if (!(allowed & (1u << m))) continue;
      if (!allow.empty()) allow += ", ";
      allow += to_string(static_cast<Method>(m));
    }
    return Response::text("Method Not Allowed\n", 405).header("allow", allow);
  }

 private:
  struct Route {
    std::optional<Method> method;
    std::vector<std::string> segments;
    bool wildcard;
    Handler handler;
  };

  static std::vector<std::string_view> split(std::string_view p) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < p.size()) {
      while (i < p.size() && p[i] == '/') ++i;
      size_t j = i;
      while (j < p.size() && p[j] != '/') ++j;
      if (j > i) out.push_back(p.substr(i, j - i));
      i = j;
    }
    return out;
  }

  static bool match(const Route& r, const std::vector<std::string_view>& got, std::string_view path,
                    Params& params) {
    const auto& want = r.segments;
    if (r.wildcard ? got.size() < want.size() : got.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].size() > 1 && want[i][0] == ':')
        params.add(want[i].substr(1), url_decode(got[i], false));
      else if (want[i] != got[i])
        return false;
    }
    if (r.wildcard) {
      // The rest of the path as sent, from the first segment past the match.
      std::string rest;
      if (got.size() > want.size()) {
        const char* from = got[want.size()].data();
        rest.assign(from, path.data() + path.size());
      }
      params.add("*", std::move(rest));
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace spindle

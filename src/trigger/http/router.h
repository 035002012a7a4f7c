// Spin's HTTP routing: which component serves a path.
//
// Rules (SPIN_REFERENCE.md "Routing"): a route is exact ("/cart") or a
// wildcard ("/static/..." = "/static" and everything under it); segments may
// be ":name" (one segment, exposed as spin-path-match-<name>). An exact route
// beats any wildcard; among wildcards the longest prefix wins; literal
// segments beat ":name" segments. The application base is prepended to every
// route. Private routes are never matched from outside.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spindle::trigger::http {

struct RouteSpec {
  std::string component;  // component id
  std::string route;      // as written in the manifest ("/static/...")
  bool is_private = false;
};

struct RouteMatch {
  std::string component;
  std::string raw_route;        // spin-raw-component-route: "/static/..."
  std::string component_route;  // spin-component-route: "/static"
  std::string matched_route;    // spin-matched-route: base + raw route
  std::string path_info;        // spin-path-info: the part after the route
  std::vector<std::pair<std::string, std::string>> params;  // :name → value
};

class Router {
 public:
  // Builds the table; `error` is set (and false returned) for a bad route or
  // two components claiming the same route.
  bool build(std::string_view base, const std::vector<RouteSpec>& routes, std::string& error);

  // The route serving `path` (no query string), or nullopt (404).
  std::optional<RouteMatch> match(std::string_view path) const;

  std::string_view base() const { return base_; }

 private:
  struct Entry {
    RouteSpec spec;
    std::vector<std::string> segments;  // full route (base included), ":x" = param
    bool wildcard = false;
    int literals = 0;
    std::string component_route;
    std::string matched_route;
  };
  std::string base_;
  std::vector<Entry> entries_;  // most specific first
};

// "/a//b/" → {"a", "b"}; leading/trailing/double slashes ignored.
std::vector<std::string> split_path(std::string_view path);

}  // namespace spindle::trigger::http

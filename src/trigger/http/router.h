// Spin's HTTP routing: which component serves a path.
//
// Rules (SPIN_REFERENCE.md "Routing"): a route is exact ("/cart") or a
// wildcard ("/static/..." = "/static" and everything under it); segments may
// be ":name" (one segment, exposed as spin-path-match-<name>). An exact route
// beats any wildcard; among wildcards the longest prefix wins; literal
// segments beat ":name" segments. The application base is part of every
// route. Private routes are never matched from outside.
//
// The table is built from the manifest's HTTP triggers: the manifest reader
// has already validated each route, refused duplicates and normalised it
// against the base (manifest::Route::prefix / wildcard), so building cannot
// fail and nothing is parsed twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::trigger::http {

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
  explicit Router(const std::vector<const manifest::HttpTrigger*>& triggers = {});

  // The route serving `path` (no query string), or nullopt (404).
  std::optional<RouteMatch> match(std::string_view path) const;

 private:
  struct Entry {
    std::string component;
    std::string raw;
    std::vector<std::string> segments;  // full route (base included), ":x" = param
    bool wildcard = false;
    int literals = 0;
    std::string component_route;
    std::string matched_route;
  };
  std::vector<Entry> entries_;  // most specific first; private routes left out
};

// "/a//b/" → {"a", "b"}; leading/trailing/double slashes ignored.
std::vector<std::string> split_path(std::string_view path);

}  // namespace spindle::trigger::http

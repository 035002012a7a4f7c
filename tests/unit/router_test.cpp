#include "trigger/http/router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manifest/manifest.h"
#include "test_util.h"

using namespace spindle::trigger::http;
namespace manifest = spindle::manifest;

namespace {

struct RouteSpec {
  std::string component;
  std::string route;  // as written; "" = private
};

// The routes go through the manifest reader, which validates and normalises
// them, as `spindle up` does; the router is built from its HTTP triggers.
struct Routed {
  std::shared_ptr<const manifest::App> app;
  Router router;
};

Routed make(std::string_view base, std::vector<RouteSpec> routes) {
  static int n = 0;
  std::filesystem::path dir = spindle::test::temp_dir("router-" + std::to_string(++n));
  std::string toml = "spin_manifest_version = 2\n[application]\nname = \"r\"\n";
  toml += "[application.trigger.http]\nbase = \"" + std::string(base) + "\"\n";
  for (const RouteSpec& r : routes) {
    toml += "[[trigger.http]]\ncomponent = \"" + r.component + "\"\n";
    toml += r.route.empty() ? "route = { private = true }\n" : "route = \"" + r.route + "\"\n";
  }
  for (const RouteSpec& r : routes)
    toml += "[component." + r.component + "]\nsource = \"x.wasm\"\n";
  std::ofstream(dir / "spin.toml") << toml;
  manifest::Options o;
  o.check_sources = false;
  manifest::Result res = manifest::load(dir / "spin.toml", o);
  EXPECT_TRUE(res.ok()) << res.report();
  if (!res.ok()) return {nullptr, Router()};
  return {res.app, Router(res.app->http_triggers())};
}

std::string who(const Routed& r, std::string_view path) {
  auto m = r.router.match(path);
  return m ? m->component : "404";
}

TEST(Router, ExactBeatsWildcardAndLongestPrefixWins) {
  Routed r = make("/", {{"all", "/..."},
                        {"static", "/static/..."},
                        {"deep", "/static/img/..."},
                        {"cart", "/cart"},
                        {"cart-any", "/cart/..."}});
  EXPECT_EQ(who(r, "/"), "all");
  EXPECT_EQ(who(r, "/anything/else"), "all");
  EXPECT_EQ(who(r, "/static"), "static");
  EXPECT_EQ(who(r, "/static/a.css"), "static");
  EXPECT_EQ(who(r, "/staticx"), "all");
  EXPECT_EQ(who(r, "/static/img/a.png"), "deep");
  EXPECT_EQ(who(r, "/cart"), "cart");
  EXPECT_EQ(who(r, "/cart/checkout"), "cart-any");
}

TEST(Router, ExactRoutesMatchOnlyThemselves) {
  Routed r = make("/", {{"cart", "/cart"}});
  EXPECT_EQ(who(r, "/cart"), "cart");
  EXPECT_EQ(who(r, "/cart/checkout"), "404");
  EXPECT_EQ(who(r, "/"), "404");
}

TEST(Router, PathInfoAndRouteHeaders) {
  Routed r = make("/base", {{"static", "/static/..."}, {"likes", "/likes"}});
  EXPECT_EQ(who(r, "/static/x"), "404");  // outside the base
  auto m = r.router.match("/base/static/css/site.css");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "/css/site.css");
  EXPECT_EQ(m->raw_route, "/static/...");
  EXPECT_EQ(m->component_route, "/static");
  EXPECT_EQ(m->matched_route, "/base/static/...");
  m = r.router.match("/base/static");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "");
  m = r.router.match("/base/likes");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "");
  EXPECT_EQ(m->component_route, "/likes");
}

TEST(Router, NamedSegmentsAndLiteralPreference) {
  Routed r =
      make("/", {{"user", "/users/:id"}, {"me", "/users/me"}, {"files", "/users/:id/files/..."}});
  EXPECT_EQ(who(r, "/users/me"), "me");
  auto m = r.router.match("/users/42");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component, "user");
  ASSERT_EQ(m->params.size(), 1u);
  EXPECT_EQ(m->params[0], (std::pair<std::string, std::string>{"id", "42"}));
  m = r.router.match("/users/7/files/a/b");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component, "files");
  EXPECT_EQ(m->path_info, "/a/b");
}

TEST(Router, PrivateRoutesAreNotReachable) {
  Routed r = make("/", {{"internal", ""}, {"api", "/api"}});
  EXPECT_EQ(who(r, "/api"), "api");
  EXPECT_EQ(who(r, "/"), "404");
}

TEST(Router, TrailingSlashesAndRootWildcardUnderABase) {
  Routed r = make("/api/", {{"users", "/users/"}, {"rest", "/..."}});
  EXPECT_EQ(who(r, "/api/users"), "users");
  EXPECT_EQ(who(r, "/api/users/"), "users");
  EXPECT_EQ(who(r, "/api"), "rest");
  EXPECT_EQ(who(r, "/api/other/x"), "rest");
  EXPECT_EQ(who(r, "/other"), "404");
  auto m = r.router.match("/api/other/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "/other/x");
  EXPECT_EQ(m->component_route, "/");
  EXPECT_EQ(m->matched_route, "/api/...");
}

}  // namespace

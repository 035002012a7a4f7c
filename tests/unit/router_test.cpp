#include "trigger/http/router.h"

#include <gtest/gtest.h>

using namespace spindle::trigger::http;

namespace {

Router make(std::string_view base, std::vector<RouteSpec> routes) {
  Router r;
  std::string err;
  EXPECT_TRUE(r.build(base, routes, err)) << err;
  return r;
}

std::string who(const Router& r, std::string_view path) {
  auto m = r.match(path);
  return m ? m->component : "404";
}

TEST(Router, ExactBeatsWildcardAndLongestPrefixWins) {
  Router r = make("/", {{"all", "/..."},
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
  Router r = make("/", {{"cart", "/cart"}});
  EXPECT_EQ(who(r, "/cart"), "cart");
  EXPECT_EQ(who(r, "/cart/checkout"), "404");
  EXPECT_EQ(who(r, "/"), "404");
}

TEST(Router, PathInfoAndRouteHeaders) {
  Router r = make("/base", {{"static", "/static/..."}, {"likes", "/likes"}});
  EXPECT_EQ(who(r, "/static/x"), "404");  // outside the base
  auto m = r.match("/base/static/css/site.css");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "/css/site.css");
  EXPECT_EQ(m->raw_route, "/static/...");
  EXPECT_EQ(m->component_route, "/static");
  EXPECT_EQ(m->matched_route, "/base/static/...");
  m = r.match("/base/static");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "");
  m = r.match("/base/likes");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path_info, "");
  EXPECT_EQ(m->component_route, "/likes");
}

TEST(Router, NamedSegmentsAndLiteralPreference) {
  Router r =
      make("/", {{"user", "/users/:id"}, {"me", "/users/me"}, {"files", "/users/:id/files/..."}});
  EXPECT_EQ(who(r, "/users/me"), "me");
  auto m = r.match("/users/42");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component, "user");
  ASSERT_EQ(m->params.size(), 1u);
  EXPECT_EQ(m->params[0], (std::pair<std::string, std::string>{"id", "42"}));
  m = r.match("/users/7/files/a/b");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->component, "files");
  EXPECT_EQ(m->path_info, "/a/b");
}

TEST(Router, PrivateRoutesAreNotReachable) {
  Router r = make("/", {{"internal", "", true}, {"api", "/api"}});
  EXPECT_EQ(who(r, "/api"), "api");
  EXPECT_EQ(who(r, "/"), "404");
}

TEST(Router, DuplicateAndMalformedRoutesAreRefused) {
  Router r;
  std::string err;
  EXPECT_FALSE(r.build("/", {{"a", "/x"}, {"b", "/x"}}, err));
  EXPECT_NE(err.find("`a` and `b`"), std::string::npos) << err;
  EXPECT_FALSE(r.build("/", {{"a", "x"}}, err));
  EXPECT_FALSE(r.build("/", {{"a", "/x/.../y"}}, err));
  EXPECT_TRUE(r.build("/", {{"a", "/x"}, {"b", "/x/..."}}, err)) << err;
}

}  // namespace

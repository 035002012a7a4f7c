// The host config of `spindle up --apps FILE` and `-f HOST=SOURCE`
// (docs/MULTI_APP.md): what is read, and every mistake reported with its
// line and column.
#include "manifest/host_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

using namespace spindle::manifest;
namespace fs = std::filesystem;

namespace {

HostConfigResult load(const std::string& name, const std::string& text) {
  fs::path file = fs::path(spindle::test::temp_dir(name)) / "apps.toml";
  std::ofstream(file) << text;
  return load_host_config(file);
}

}  // namespace

TEST(HostConfig, ReadsDefaultsAndEntriesWithPathsAgainstTheFilesFolder) {
  HostConfigResult r = load("hc_ok", R"(idle_unload = "2m"
max_concurrency = 4
[[app]]
hosts = ["Site.Example.COM:8080", "www.example.com."]
from = "site"
env = ["A=1"]
[[app]]
name = "blog"
hosts = "example.com"
path_prefix = "/blog/"
from = "ghcr.io/me/blog:v1"
timeout = "5s"
max_memory = "64MiB"
max_concurrency = 2
)");
  ASSERT_TRUE(r.config) << r.report();
  const HostConfig& c = *r.config;
  EXPECT_EQ(c.idle_unload, std::chrono::minutes(2));
  EXPECT_EQ(c.max_concurrency, 4u);
  ASSERT_EQ(c.apps.size(), 2u);
  EXPECT_EQ(c.apps[0].name, "site.example.com");  // the first host
  EXPECT_EQ(c.apps[0].hosts, (std::vector<std::string>{"site.example.com", "www.example.com"}));
  EXPECT_EQ(c.apps[0].from, (c.file.parent_path() / "site").string());
  EXPECT_EQ(c.apps[0].env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(c.apps[1].path_prefix, "/blog");
  EXPECT_EQ(c.apps[1].from, "ghcr.io/me/blog:v1");  // a registry reference stays
  EXPECT_EQ(c.apps[1].timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.apps[1].max_memory, uint64_t{64} << 20);
  EXPECT_EQ(c.apps[1].max_concurrency, 2u);
}

TEST(HostConfig, EachMistakeIsReportedAtItsLineAndColumn) {
  HostConfigResult r = load("hc_bad", R"([[app]]
hosts = ["a.test"]
from = "a"
idle_unlod = "1s"
[[app]]
hosts = ["a.test"]
from = "b"
timeout = "soon"
[[app]]
hosts = ["c.test"]
)");
  ASSERT_FALSE(r.config);
  std::string report = r.report();
  EXPECT_NE(report.find("apps.toml:4:1: error: unknown key `idle_unlod` in [[app]]"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("did you mean `idle_unload`"), std::string::npos) << report;
  EXPECT_NE(report.find("apps.toml:8:11: error: invalid duration `soon` for `timeout`"),
            std::string::npos)
      << report;
}

TEST(HostConfig, AHostClaimedTwiceAndAMissingFromAreErrorsNamingBothPlaces) {
  HostConfigResult r = load("hc_twice", R"([[app]]
hosts = ["a.test"]
from = "a"

[[app]]
hosts = ["A.test"]
from = "b"

[[app]]
hosts = ["a.test"]
path_prefix = "/x"
from = "c"

[[app]]
hosts = ["d.test"]
)");
  ASSERT_FALSE(r.config);
  std::string report = r.report();
  EXPECT_NE(report.find(":5:1: error: host `a.test` is claimed by app `a.test` already"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("apps.toml:1:1"), std::string::npos) << report;  // where the first is
  EXPECT_EQ(report.find("/x"), std::string::npos) << report;  // another prefix is no clash
  EXPECT_NE(report.find(":14:1: error: app `d.test` has no `from`"), std::string::npos) << report;
}

TEST(HostConfig, NotTomlIsReportedWithItsPosition) {
  HostConfigResult r = load("hc_toml", "[[app]]\nhosts = [\"a\"\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.report().find("apps.toml:2:"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("expected valid TOML"), std::string::npos) << r.report();
}

TEST(HostConfig, AppFlagsTakeHostsBeforeTheFirstEquals) {
  AppEntry e;
  std::string error;
  ASSERT_TRUE(parse_app_flag("a.localhost,B.test:80=./site", e, error)) << error;
  EXPECT_EQ(e.hosts, (std::vector<std::string>{"a.localhost", "b.test"}));
  EXPECT_EQ(e.name, "a.localhost");
  EXPECT_TRUE(fs::path(e.from).is_absolute());
  ASSERT_TRUE(parse_app_flag("./dir=with/equals", e, error)) << error;
  EXPECT_TRUE(e.hosts.empty());  // a path, not hosts
  EXPECT_FALSE(parse_app_flag("bad host=site", e, error));
  EXPECT_NE(error.find("invalid host `bad host`"), std::string::npos) << error;
}

TEST(HostConfig, HostsAreComparedWithoutCaseOrPort) {
  EXPECT_EQ(normalise_host("Example.COM:3000"), "example.com");
  EXPECT_EQ(normalise_host("[::1]:8080"), "[::1]");
  EXPECT_EQ(normalise_host("a.test."), "a.test");
}

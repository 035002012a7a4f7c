// The manifest's cron triggers (Fermyon's spin-trigger-cron plugin):
// `[[trigger.cron]]` in v2 (with an id, or an inline component), v1's
// `trigger = { type = "cron" }`, and the errors placed in the manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manifest/manifest.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace spindle::manifest;

namespace {

fs::path app_dir(std::string_view toml) {
  fs::path dir =
      spindle::test::temp_dir(std::string("manifest-cron-") +
                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::ofstream(dir / "tick.wasm", std::ios::binary) << "\0asm";
  std::ofstream(dir / "spin.toml") << toml;
  return dir;
}

}  // namespace

TEST(ManifestCron, V2TriggersWithIdsAndAnInlineComponent) {
  fs::path dir = app_dir(R"(spin_manifest_version = 2
[application]
name = "cron"
[application.trigger.cron]

[[trigger.cron]]
component = "tick"
cron_expression = "1/2 * * * * *"

[[trigger.cron]]
id = "nightly"
component = "tick"
cron_expression = "@daily"

[[trigger.cron]]
component = { source = "tick.wasm" }
cron_expression = "0 0 * * * *"

[component.tick]
source = "tick.wasm"
)");
  Result r = load(dir);
  ASSERT_TRUE(r.ok()) << r.report();
  const Component* tick = r.app->component("tick");
  ASSERT_NE(tick, nullptr);
  ASSERT_EQ(tick->cron.size(), 2u);
  EXPECT_EQ(tick->cron[0].id, "tick-cron-trigger");
  EXPECT_EQ(tick->cron[0].expression, "1/2 * * * * *");
  EXPECT_EQ(tick->cron[0].expression_location, (Location{8, 19}));
  EXPECT_EQ(tick->cron[1].id, "nightly");
  EXPECT_EQ(tick->cron[1].component, "tick");
  const Component* inline_component = r.app->component("cron-trigger1-component");
  ASSERT_NE(inline_component, nullptr) << to_string(*r.app);
  ASSERT_EQ(inline_component->cron.size(), 1u);
  EXPECT_EQ(inline_component->cron[0].expression, "0 0 * * * *");
  EXPECT_FALSE(r.app->http.has_value());
  EXPECT_NE(to_string(*r.app).find("cron tick-cron-trigger: 1/2 * * * * *"), std::string::npos);
}

TEST(ManifestCron, V1CronApp) {
  fs::path dir = app_dir(R"(spin_manifest_version = "1"
name = "cron"
version = "1.0.0"
trigger = { type = "cron" }

[[component]]
id = "tick"
source = "tick.wasm"
[component.trigger]
cron_expression = "*/5 * * * * *"
)");
  Result r = load(dir);
  ASSERT_TRUE(r.ok()) << r.report();
  const Component* tick = r.app->component("tick");
  ASSERT_EQ(tick->cron.size(), 1u);
  EXPECT_EQ(tick->cron[0].id, "trigger-tick");
  EXPECT_EQ(tick->cron[0].expression, "*/5 * * * * *");
  EXPECT_EQ(tick->cron[0].expression_location, (Location{10, 19}));
}

TEST(ManifestCron, ErrorsArePlaced) {
  fs::path dir = app_dir(R"(spin_manifest_version = 2
[application]
name = "cron"
[application.trigger.cron]
interval = 5

[[trigger.cron]]
component = "tick"
schedule = "* * * * * *"

[[trigger.cron]]
component = "tock"
cron_expression = 5

[[trigger.crom]]
component = "tick"

[component.tick]
source = "tick.wasm"
)");
  Result r = load(dir);
  ASSERT_FALSE(r.ok());
  std::string report = r.report();
  EXPECT_NE(report.find("spin.toml:5:1: error: unknown field `interval` in "
                        "[application.trigger.cron]: the cron trigger has no application "
                        "settings"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("spin.toml:9:1: error: unknown field `schedule` in [[trigger.cron]]"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("`cron_expression` is missing in [[trigger.cron]]"), std::string::npos)
      << report;
  EXPECT_NE(report.find("spin.toml:13:19: error: `cron_expression` in [[trigger.cron]] is an "
                        "integer"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("trigger names component `tock`, which is not defined"), std::string::npos)
      << report;
  EXPECT_NE(report.find("spin.toml:15:11: error: unsupported trigger type `crom` (expected "
                        "`http`, `redis` or `cron`)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("did you mean `cron`?"), std::string::npos) << report;
}

// SQLite through the Spin 1.x `sqlite` imports, driven through a real
// `spindle up`: typed parameters and results, the default database and its
// persistence, permissions, --sqlite, and a runtime-config database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

const char* kManifest = R"(spin_manifest_version = "1"
name = "sql"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "sql"
source = "host_sqlite.wasm"
sqlite_databases = ["default"]
[component.trigger]
route = "/..."

[[component]]
id = "nosql"
source = "host_sqlite.wasm"
[component.trigger]
route = "/nosql/..."
)";

std::string make_app(const std::string& name, const std::string& manifest = kManifest) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_sqlite"), dir + "/host_sqlite.wasm");
  std::ofstream(dir + "/spin.toml") << manifest;
  return dir;
}

std::string sql(const std::string& url, const std::string& statement) {
  return curl({"--data-binary", statement, url}).out;
}

}  // namespace

TEST(Sqlite, ExecuteWithTypedParametersAndResults) {
  std::string dir = make_app("sql-types");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string u = up.url() + "/default";
  EXPECT_EQ(sql(u, "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, z)"), "columns: \n");
  EXPECT_EQ(sql(u + "?i:42&r:2.5&t:hello&b:bytes&n", "INSERT INTO t VALUES (?, ?, ?, ?, ?)"),
            "columns: \n");
  EXPECT_EQ(sql(u + "?i:-7&r:0.125&t:&b:&n", "INSERT INTO t VALUES (?, ?, ?, ?, ?)"),
            "columns: \n");
  EXPECT_EQ(sql(u, "SELECT i, r, s, b, z FROM t ORDER BY i"),
            "columns: i,r,s,b,z\n"
            "i:-7|r:0.125|t:|b:0|n\n"
            "i:42|r:2.5|t:hello|b:5|n\n");
  EXPECT_EQ(sql(u + "?i:42", "SELECT s AS greeting FROM t WHERE i = ?"),
            "columns: greeting\nt:hello\n");
  EXPECT_TRUE(fs::exists(dir + "/.spin/sqlite_db.db"));
}

TEST(Sqlite, ErrorsComeBackAsValues) {
  std::string dir = make_app("sql-errors");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // io (4) with SQLite's message.
  EXPECT_EQ(sql(up.url() + "/default", "SELECT * FROM missing"), "error 4: no such table: missing");
  EXPECT_EQ(sql(up.url() + "/default", "SELECT 1; SELECT 2"),
            "error 4: execute runs one statement; found more after the first");
  // access-denied (1): not in the component's sqlite_databases.
  EXPECT_EQ(sql(up.url() + "/other", "SELECT 1"), "error 1");
  EXPECT_EQ(sql(up.url() + "/nosql/default", "SELECT 1"), "error 1");
  // invalid-connection (2) after close.
  EXPECT_EQ(sql(up.url() + "/default/closed", "SELECT 1"), "error 2");
  EXPECT_EQ(sql(up.url() + "/default", "SELECT 1 AS one"), "columns: one\ni:1\n");
}

TEST(Sqlite, SqliteFlagRunsStatementsAndDataSurvivesARestart) {
  std::string dir = make_app("sql-restart");
  std::ofstream(dir + "/schema.sql") << "CREATE TABLE IF NOT EXISTS notes (n TEXT);\n"
                                        "INSERT INTO notes VALUES ('from file');\n";
  {
    Up up(dir, {"--sqlite", "@" + dir + "/schema.sql", "--sqlite",
                "INSERT INTO notes VALUES ('from flag')"});
    ASSERT_FALSE(up.url().empty()) << up.log();
    EXPECT_EQ(sql(up.url() + "/default?t:from-guest", "INSERT INTO notes VALUES (?)"),
              "columns: \n");
  }
  Up again(dir);
  ASSERT_FALSE(again.url().empty()) << again.log();
  EXPECT_EQ(sql(again.url() + "/default", "SELECT n FROM notes ORDER BY rowid"),
            "columns: n\nt:from file\nt:from flag\nt:from-guest\n");
}

TEST(Sqlite, BadSqliteFlagStopsStartup) {
  std::string dir = make_app("sql-badflag");
  Result r = run_spindle({"up", "-f", dir, "--listen", "127.0.0.1:0", "--sqlite", "NOT SQL"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--sqlite `NOT SQL`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("syntax error"), std::string::npos) << r.err;
}

TEST(Sqlite, RuntimeConfigMapsALabelToAFile) {
  std::string manifest = kManifest;
  manifest.replace(manifest.find("[\"default\"]"), 11, "[\"default\", \"reports\"]");
  std::string dir = make_app("sql-runtime", manifest);
  std::ofstream(dir + "/runtime.toml") << "[sqlite_database.reports]\n"
                                          "type = \"spin\"\n"
                                          "path = \"data/reports.db\"\n";
  fs::create_directories(dir + "/data");
  Up up(dir, {"--runtime-config-file", dir + "/runtime.toml"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(sql(up.url() + "/reports", "CREATE TABLE r (x)"), "columns: \n");
  EXPECT_TRUE(fs::exists(dir + "/data/reports.db"));
  // Without the runtime config the label is undefined: startup stops.
  Result r = run_spindle({"up", "-f", dir, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("sqlite database `reports` is not defined"), std::string::npos) << r.err;
}

TEST(Sqlite, BadRuntimeConfigIsReportedWithLineAndColumn) {
  std::string dir = make_app("sql-badruntime");
  std::ofstream(dir + "/runtime.toml") << "[sqlite_database.default]\n"
                                          "type = \"libsql\"\n";
  Result r = run_spindle(
      {"up", "-f", dir, "--listen", "127.0.0.1:0", "--runtime-config-file", dir + "/runtime.toml"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("runtime.toml:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("store type `libsql`"), std::string::npos) << r.err;
}

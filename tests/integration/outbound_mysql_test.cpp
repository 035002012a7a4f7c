// Outbound MySQL against a real MariaDB server (mysql_server.h) through a
// real `spindle up`: the Spin 1 `outbound-mysql` imports (host_rdbms.c) and
// fermyon:spin/mysql@2.0.0 (rdbms_component.c): allowed and denied
// addresses, parameters of every kind, server errors as values, a server
// that goes down and comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "mysql_server.h"
#include "rdbms_app.h"

using namespace spindle::test;
using namespace spindle::test::rdbms;

namespace {

const std::string kTable =
    "CREATE TABLE t (id INT, name VARCHAR(64), score DOUBLE, data BLOB, flag TINYINT, "
    "note TEXT, big BIGINT UNSIGNED, small SMALLINT, ratio FLOAT, price DECIMAL(6,2))";
const std::string kInsert =
    "INSERT INTO t (id, name, score, data, flag, note, big, small, ratio) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

}  // namespace

TEST(OutboundMysql, Spin1QueryAndExecuteWithParameters) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_v1_app("my1", "host_rdbms.wasm", {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/mysql/execute", kTable), "ok");
  EXPECT_EQ(call(up,
                 "/mysql/execute?i32:1&str:hello%20world&f64:2.5&bin:abc&bool:1&null&u64:"
                 "18446744073709551615&i16:-3&f32:0.5",
                 kInsert),
            "ok");
  EXPECT_EQ(
      call(up, "/mysql/execute?i64:2&str:x&f64:-0.125&bin:&i8:0&str:n&u8:7&i16:4&f32:1", kInsert),
      "ok");
  EXPECT_EQ(call(up, "/mysql/query?i32:1",
                 "SELECT id, name, score, data, flag, note, big, small, ratio FROM t WHERE id = ?"),
            "columns: id:int32,name:str,score:floating64,data:binary,flag:int8,note:str,"
            "big:uint64,small:int16,ratio:floating32\n"
            "i32:1|str:hello world|f64:2.5|bin:616263|i8:1|null|u64:18446744073709551615|"
            "i16:-3|f32:0.5\n");
  EXPECT_EQ(call(up, "/mysql/query", "SELECT id FROM t ORDER BY id"),
            "columns: id:int32\ni32:1\ni32:2\n");
  // DECIMAL has no rdbms-types case: its column is `other`, a value of it
  // value-conversion-failed (Spin's behaviour); NULL converts.
  EXPECT_EQ(call(up, "/mysql/query", "SELECT price FROM t WHERE id = 1"),
            "columns: price:other\nnull\n");
  EXPECT_EQ(call(up, "/mysql/execute?i32:1", "UPDATE t SET price = 1.5 WHERE id = ?"), "ok");
  std::string conv = call(up, "/mysql/query", "SELECT price FROM t WHERE id = 1");
  EXPECT_EQ(conv.rfind("error 4: ", 0), 0u) << conv;
  // A parameter of the wrong type (strict mode), invalid SQL: query-failed
  // with the server's message.
  std::string wrong = call(up, "/mysql/execute?str:abc", "INSERT INTO t (id) VALUES (?)");
  EXPECT_EQ(wrong.rfind("error 3: ", 0), 0u) << wrong;
  EXPECT_NE(wrong.find("Incorrect integer value"), std::string::npos) << wrong;
  std::string bad = call(up, "/mysql/query", "SELEC 1");
  EXPECT_EQ(bad.rfind("error 3: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("You have an error in your SQL syntax"), std::string::npos) << bad;
  EXPECT_EQ(call(up, "/mysql/query", "SELECT ?"),
            "error 3: the statement has 1 parameters but 0 were given");
  // The host's files stay out of reach.
  std::string local =
      call(up, "/mysql/execute", "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t");
  EXPECT_EQ(local.rfind("error 3: ", 0), 0u) << local;
  EXPECT_EQ(my.sql("SELECT COUNT(*) FROM t").out, "2\n");
}

TEST(OutboundMysql, Spin1DeniedAddressIsConnectionFailed) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_app("my1-denied", "host_rdbms.wasm", {"mysql://127.0.0.1:1"},
                 {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/mysql/query", "SELECT 1"),
            "error 1: address " + my.url() + " is not permitted");
  EXPECT_EQ(call(up, "/mysql/execute", "SELECT 1"),
            "error 1: address " + my.url() + " is not permitted");
  Up ok(make_app("my1-allowed", "host_rdbms.wasm", {"mysql://127.0.0.1:*"},
                 {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(ok.url().empty()) << ok.log();
  EXPECT_EQ(call(ok, "/mysql/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundMysql, Spin1ServerDownThenBack) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_v1_app("my1-down", "host_rdbms.wasm", {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/mysql/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
  my.stop();
  std::string down = call(up, "/mysql/query", "SELECT 1 AS one");
  EXPECT_EQ(down.rfind("error 1: ", 0), 0u) << down;
  ASSERT_TRUE(my.start());
  EXPECT_EQ(call(up, "/mysql/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundMysql, ComponentV2) {
  ASSERT_EQ(missing_guest("rdbms_component.wasm"), "");
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  std::string addr = "addr=" + enc(my.url());
  Up up(
      make_app("my2", "rdbms_component.wasm", {"mysql://127.0.0.1:" + std::to_string(my.port())}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/mysql2/execute?" + addr, kTable), "ok");
  EXPECT_EQ(call(up,
                 "/mysql2/execute?" + addr +
                     "&i32:1&str:hi&f64:0.5&bin:xyz&bool:1&null&u32:4000000000&i16:2&f32:0.25",
                 kInsert),
            "ok");
  EXPECT_EQ(call(up, "/mysql2/query?" + addr + "&i32:1",
                 "SELECT id, name, score, data, flag, note, big, small, ratio FROM t WHERE id = ?"),
            "columns: id:int32,name:str,score:floating64,data:binary,flag:int8,note:str,"
            "big:uint64,small:int16,ratio:floating32\n"
            "i32:1|str:hi|f64:0.5|bin:78797a|i8:1|null|u64:4000000000|i16:2|f32:0.25\n");
  std::string wrong =
      call(up, "/mysql2/execute?" + addr + "&str:abc", "INSERT INTO t (id) VALUES (?)");
  EXPECT_EQ(wrong.rfind("error 2: ", 0), 0u) << wrong;
  std::string bad = call(up, "/mysql2/query?" + addr, "SELEC 1");
  EXPECT_EQ(bad.rfind("error 2: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("SQL syntax"), std::string::npos) << bad;
  std::string other = "mysql://spin:spin@127.0.0.1:1/spindle";
  EXPECT_EQ(call(up, "/mysql2/query?addr=" + enc(other), "SELECT 1"),
            "open error 0: address " + other + " is not permitted");
  my.stop();
  std::string down = call(up, "/mysql2/query?" + addr, "SELECT 1");
  EXPECT_EQ(down.rfind("open error 0: ", 0), 0u) << down;
  ASSERT_TRUE(my.start());
  EXPECT_EQ(call(up, "/mysql2/query?" + addr, "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundMysql, ConcurrentRequestsShareThePool) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_v1_app("my-many", "host_rdbms.wasm", {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_EQ(call(up, "/mysql/execute", "CREATE TABLE c (n INT)"), "ok");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        if (call(up, "/mysql/execute?i32:" + std::to_string(t * 100 + i),
                 "INSERT INTO c VALUES (?)") == "ok")
          ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(my.sql("SELECT COUNT(DISTINCT n) FROM c").out, "100\n");
  std::string conns =
      my.sql("SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'spin'").out;
  EXPECT_LE(std::stoi(conns), 8) << conns;
}

TEST(OutboundMysql, DeadlineKillsTheStatement) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_v1_app("my-deadline", "host_rdbms.wasm", {{"MYSQL_ADDRESS", my.url()}}),
        {"--timeout", "2s"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(http_code({"--data-binary", "SELECT SLEEP(20)", up.url() + "/mysql/query"}), "504");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(up.log().find("outbound MySQL: timed out waiting for the server"), std::string::npos)
      << up.log();
  EXPECT_EQ(call(up, "/mysql/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
  EXPECT_EQ(my.sql("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE "
                   "'SELECT SLEEP(20)%'")
                .out,
            "0\n");
}

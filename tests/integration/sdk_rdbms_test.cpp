// The SDK's spindle/postgres.hpp and spindle/mysql.hpp (sdk_cap_rdbms.cpp)
// against real servers: values of every kind both ways, rows by column
// name, and each error kind.
#include <gtest/gtest.h>

#include "mysql_server.h"
#include "pg_server.h"
#include "rdbms_app.h"

using namespace spindle::test;
using namespace spindle::test::rdbms;

TEST(SdkRdbms, Postgres) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string port = std::to_string(pg.port());
  Up up(make_app("sdk-pg", "sdk_cap_rdbms.wasm", {"postgres://127.0.0.1:" + port},
                 {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg/execute",
                 "CREATE TABLE t (id int4, big int8, name text, raw bytea, "
                 "x float8, y float4, ok bool)"),
            "ok 0");
  EXPECT_EQ(call(up, "/pg/execute?i:1&l:-5000000000&t:ada&b:hi&r:2.5&f:0.25&bool:1",
                 "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            "ok 1");
  EXPECT_EQ(
      call(up, "/pg/execute?i:2&n&n&n&n&n&n", "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7)"),
      "ok 1");
  EXPECT_EQ(call(up, "/pg/query", "SELECT * FROM t ORDER BY id"),
            "columns: id:int32,big:int64,name:str,raw:binary,x:floating64,y:floating32,ok:boolean\n"
            "i:1|l:-5000000000|t:ada|b:6869|r:2.5|f:0.25|bool:1\n"
            "i:2|n|n|n|n|n|n\n");
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1.5::numeric AS d"), "columns: d:other\nunsupported\n");
  EXPECT_EQ(curl({up.url() + "/pg/typed"}).out,
            "a=bool:1 b=i:-2 c=i:7 d=l:1099511627776 e=f:0.5 f=t:txt g=n missing=n ");
  EXPECT_EQ(call(up, "/pg/query?u:1", "SELECT $1"),
            "error invalid-argument: Postgres does not support unsigned integers");
  std::string bad = call(up, "/pg/query", "SELEC 1");
  EXPECT_EQ(bad.rfind("error runtime: ERROR: syntax error", 0), 0u) << bad;
  Up denied(make_app("sdk-pg-denied", "sdk_cap_rdbms.wasm", {}, {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(denied.url().empty()) << denied.log();
  EXPECT_EQ(call(denied, "/pg/query", "SELECT 1"),
            "error access-denied: address postgres://127.0.0.1:" + port + " is not permitted");
  pg.stop();
  std::string down = call(up, "/pg/query", "SELECT 1");
  EXPECT_EQ(down.rfind("error io: ", 0), 0u) << down;
}

TEST(SdkRdbms, Mysql) {
  MysqlServer my;
  ASSERT_TRUE(my.ready()) << my.error();
  Up up(make_app("sdk-my", "sdk_cap_rdbms.wasm", {"mysql://127.0.0.1:*"},
                 {{"MYSQL_ADDRESS", my.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(
      call(up, "/mysql/execute",
           "CREATE TABLE t (id INT, big BIGINT, name TEXT, raw BLOB, x DOUBLE, u INT UNSIGNED, "
           "d DECIMAL(4,1))"),
      "ok");
  EXPECT_EQ(call(up, "/mysql/execute?i:1&l:-5000000000&t:ada&b:hi&r:2.5&u:4000000000",
                 "INSERT INTO t (id, big, name, raw, x, u) VALUES (?, ?, ?, ?, ?, ?)"),
            "ok");
  EXPECT_EQ(call(up, "/mysql/query", "SELECT id, big, name, raw, x, u, d FROM t"),
            "columns: id:int32,big:int64,name:str,raw:binary,x:floating64,u:uint32,d:other\n"
            "i:1|l:-5000000000|t:ada|b:6869|r:2.5|u:4000000000|n\n");
  EXPECT_EQ(call(up, "/mysql/execute", "UPDATE t SET d = 1.5"), "ok");
  std::string conv = call(up, "/mysql/query", "SELECT d FROM t");
  EXPECT_EQ(conv.rfind("error invalid-argument: Cannot convert value in column d", 0), 0u) << conv;
  std::string bad = call(up, "/mysql/query", "SELEC 1");
  EXPECT_EQ(bad.rfind("error runtime: ERROR 1064", 0), 0u) << bad;
}

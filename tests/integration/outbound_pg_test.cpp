// Outbound PostgreSQL against a real server (pg_server.h) through a real
// `spindle up`: the Spin 1 `outbound-pg` imports (host_rdbms.c) and the
// component interfaces fermyon:spin/postgres@2.0.0 and
// spin:postgres/postgres@4.0.0 (rdbms_component.c): allowed and denied
// addresses, parameters of every kind, server errors as values, a server
// that goes down and comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pg_server.h"
#include "rdbms_app.h"

using namespace spindle::test;
using namespace spindle::test::rdbms;

namespace {

const std::string kTable =
    "CREATE TABLE t (id int4, name text, score float8, data bytea, flag bool, note text)";
const std::string kInsert = "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)";

}  // namespace

TEST(OutboundPg, Spin1QueryAndExecuteWithParameters) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  Up up(make_v1_app("pg1", "host_rdbms.wasm", {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg/execute", kTable), "ok 0");
  EXPECT_EQ(call(up, "/pg/execute?i32:1&str:hello%20world&f64:2.5&bin:abc&bool:1&null", kInsert),
            "ok 1");
  EXPECT_EQ(call(up, "/pg/execute?i32:2&str:x&f64:-0.125&bin:&bool:0&str:n", kInsert), "ok 1");
  EXPECT_EQ(call(up, "/pg/query?i32:1", "SELECT * FROM t WHERE id = $1"),
            "columns: id:int32,name:str,score:floating64,data:binary,flag:boolean,note:str\n"
            "i32:1|str:hello world|f64:2.5|bin:616263|bool:1|null\n");
  EXPECT_EQ(call(up, "/pg/query", "SELECT id FROM t ORDER BY id"),
            "columns: id:int32\ni32:1\ni32:2\n");
  EXPECT_EQ(call(up, "/pg/query?i64:41&f32:1.5&i16:-7&i8:3",
                 "SELECT $1 + 1 AS n, $2 AS f, $3 AS s, $4 AS b"),
            "columns: n:int64,f:floating32,s:int16,b:int16\ni64:42|f32:1.5|i16:-7|i16:3\n");
  EXPECT_EQ(call(up, "/pg/execute?str:renamed&i32:2", "UPDATE t SET name = $1 WHERE id >= $2"),
            "ok 1");
  // Types Spin 1 has no case for: `other` columns, `unsupported` values.
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1.50::numeric AS d, DATE '2024-02-29' AS day"),
            "columns: d:other,day:other\nunsupported|unsupported\n");
  // Errors: a parameter of the wrong type, unsigned integers (Spin's text),
  // invalid SQL (the server's message), all as pg-error values.
  std::string wrong = call(up, "/pg/execute?str:abc", "INSERT INTO t (id) VALUES ($1)");
  EXPECT_EQ(wrong.rfind("error 3: ", 0), 0u) << wrong;
  EXPECT_NE(wrong.find("integer"), std::string::npos) << wrong;
  EXPECT_EQ(call(up, "/pg/query?u32:5", "SELECT $1"),
            "error 4: Postgres does not support unsigned integers");
  std::string bad = call(up, "/pg/query", "SELEC 1");
  EXPECT_EQ(bad.rfind("error 3: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("syntax error at or near \"SELEC\""), std::string::npos) << bad;
  // COPY to or from the client: refused, and the connection stays usable.
  std::string copy = call(up, "/pg/execute", "COPY t FROM STDIN");
  EXPECT_EQ(copy.rfind("error 3: ", 0), 0u) << copy;
  std::string copy_out = call(up, "/pg/query", "COPY t TO STDOUT");
  EXPECT_EQ(copy_out.rfind("error 3: COPY to or from the client is not supported", 0), 0u)
      << copy_out;
  EXPECT_EQ(call(up, "/pg/query", "SELECT count(*)::int4 AS n FROM t"),
            "columns: n:int32\ni32:2\n");
}

TEST(OutboundPg, Spin1DeniedAddressIsConnectionFailed) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string port = std::to_string(pg.port());
  Up up(make_app("pg1-denied", "host_rdbms.wasm", {"postgres://127.0.0.1:1"},
                 {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1"),
            "error 1: address postgres://127.0.0.1:" + port + " is not permitted");
  EXPECT_EQ(call(up, "/pg/execute", "SELECT 1"),
            "error 1: address postgres://127.0.0.1:" + port + " is not permitted");
  EXPECT_NE(up.log().find("allowed_outbound_hosts = [\"postgres://127.0.0.1:" + port),
            std::string::npos)
      << up.log();
  // Allowed by its port.
  Up ok(make_app("pg1-allowed", "host_rdbms.wasm", {"postgres://127.0.0.1:" + port},
                 {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(ok.url().empty()) << ok.log();
  EXPECT_EQ(call(ok, "/pg/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundPg, Spin1ServerDownThenBack) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  Up up(make_v1_app("pg1-down", "host_rdbms.wasm", {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
  pg.stop();
  std::string down = call(up, "/pg/query", "SELECT 1 AS one");
  EXPECT_EQ(down.rfind("error 1: ", 0), 0u) << down;
  EXPECT_NE(down.find("127.0.0.1"), std::string::npos) << down;
  ASSERT_TRUE(pg.start());
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundPg, ComponentV2) {
  ASSERT_EQ(missing_guest("rdbms_component.wasm"), "");
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string port = std::to_string(pg.port());
  std::string addr = "addr=" + enc(pg.url());
  Up up(make_app("pg2", "rdbms_component.wasm", {"postgres://127.0.0.1:" + port}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg2/execute?" + addr, kTable), "ok 0");
  EXPECT_EQ(call(up, "/pg2/execute?" + addr + "&i32:1&str:hi&f64:0.5&bin:xyz&bool:0&null", kInsert),
            "ok 1");
  EXPECT_EQ(call(up, "/pg2/query?" + addr + "&i32:1", "SELECT * FROM t WHERE id = $1"),
            "columns: id:int32,name:str,score:floating64,data:binary,flag:boolean,note:str\n"
            "i32:1|str:hi|f64:0.5|bin:78797a|bool:0|null\n");
  EXPECT_EQ(call(up, "/pg2/query?" + addr + "&i64:-5&f32:0.25", "SELECT $1 AS a, $2 AS b"),
            "columns: a:int64,b:floating32\ni64:-5|f32:0.25\n");
  EXPECT_EQ(call(up, "/pg2/query?" + addr, "SELECT now()::date AS day"),
            "columns: day:other\nunsupported\n");
  std::string wrong =
      call(up, "/pg2/execute?" + addr + "&str:abc", "INSERT INTO t (id) VALUES ($1)");
  EXPECT_EQ(wrong.rfind("error 2: ", 0), 0u) << wrong;  // query-failed
  EXPECT_EQ(call(up, "/pg2/query?" + addr + "&u8:1", "SELECT $1"),
            "error 3: Postgres does not support unsigned integers");
  std::string bad = call(up, "/pg2/query?" + addr, "SELEC 1");
  EXPECT_EQ(bad.rfind("error 2: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("syntax error"), std::string::npos) << bad;
  // Denied: another port.
  EXPECT_EQ(
      call(up, "/pg2/query?addr=" + enc("postgres://spin:spin@127.0.0.1:1/spindle"), "SELECT 1"),
      "open error 0: address postgres://127.0.0.1:1 is not permitted");
  // Key=value addresses: checked the same way; Unix sockets and settings
  // that read the host's files are refused.
  EXPECT_EQ(call(up,
                 "/pg2/query?addr=" +
                     enc("host=127.0.0.1 port=" + port + " user=spin password=spin dbname=spindle"),
                 "SELECT 2 AS two"),
            "columns: two:int32\ni32:2\n");
  EXPECT_EQ(call(up, "/pg2/query?addr=" + enc("host=/tmp port=" + port), "SELECT 1"),
            "open error 0: Unix sockets are not supported on WebAssembly");
  EXPECT_EQ(call(up, "/pg2/query?addr=" + enc(pg.url() + "?sslkey=/etc/passwd"), "SELECT 1"),
            "open error 0: the connection setting `sslkey` is not supported");
  EXPECT_EQ(call(up, "/pg2/query?addr=" + enc("host=127.0.0.1 hostaddr=127.0.0.2 port=" + port),
                 "SELECT 1"),
            "open error 0: address postgres://127.0.0.2:" + port + " is not permitted");
  // Down, then back.
  pg.stop();
  std::string down = call(up, "/pg2/query?" + addr, "SELECT 1");
  EXPECT_EQ(down.rfind("open error 0: ", 0), 0u) << down;
  ASSERT_TRUE(pg.start());
  EXPECT_EQ(call(up, "/pg2/query?" + addr, "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
}

TEST(OutboundPg, ComponentV3Types) {
  ASSERT_EQ(missing_guest("rdbms_component.wasm"), "");
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string addr = "addr=" + enc(pg.url());
  Up up(make_app("pg3", "rdbms_component.wasm", {"postgres://127.0.0.1:*"}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg3/execute?" + addr,
                 "CREATE TABLE d (day date, t time, at timestamp, n numeric, s varchar(9))"),
            "ok 0");
  EXPECT_EQ(call(up,
                 "/pg3/execute?" + addr + "&date:1999-12-31&time:" + enc("01:02:03") +
                     "&datetime:2000-01-01T00:00:01&null&str:v",
                 "INSERT INTO d VALUES ($1, $2, $3, $4, $5)"),
            "ok 1");
  EXPECT_EQ(call(up, "/pg3/query?" + addr, "SELECT * FROM d"),
            "columns: day:date,t:time,at:datetime,n:other,s:str\n"
            "date:1999-12-31|time:01:02:03.000000000|datetime:2000-01-01T00:00:01.000000000|"
            "null|str:v\n");
  EXPECT_EQ(call(up, "/pg3/query?" + addr, "SELECT 2.5::numeric AS n"),
            "columns: n:other\nunsupported\n");
  EXPECT_EQ(call(up, "/pg3/query?" + addr + "&ts:-86400", "SELECT $1 AT TIME ZONE 'UTC' AS at"),
            "columns: at:datetime\ndatetime:1969-12-31T00:00:00.000000000\n");
  EXPECT_EQ(call(up, "/pg3/query?" + addr + "&time:" + enc("24:00:00"), "SELECT $1"),
            "error 1: invalid time 24:0:0:0");
  std::string bad = call(up, "/pg3/query?" + addr, "SELECT nope FROM d");
  EXPECT_EQ(bad.rfind("error 2: ERROR: column \"nope\" does not exist", 0), 0u) << bad;
}

TEST(OutboundPg, ComponentV4Types) {
  ASSERT_EQ(missing_guest("rdbms_component.wasm"), "");
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string port = std::to_string(pg.port());
  std::string addr = "addr=" + enc(pg.url());
  Up up(make_app("pg4", "rdbms_component.wasm", {"postgres://127.0.0.1:" + port}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg4/execute?" + addr,
                 "CREATE TABLE e (id int8, day date, at timestamp, u uuid, j jsonb, d numeric, "
                 "a int4[], i interval, t time)"),
            "ok 0");
  EXPECT_EQ(call(up,
                 "/pg4/execute?" + addr + "&i64:7&date:2024-02-29&datetime:2024-03-01T12:34:56" +
                     "&uuid:" + enc("123e4567-e89b-12d3-a456-426614174000") +
                     "&json:" + enc("{\"a\":[1,2]}") + "&dec:-12.340&ai32:" + enc("1,null,3") +
                     "&interval:" + enc("1500000,2,3") + "&time:" + enc("23:59:58"),
                 "INSERT INTO e VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            "ok 1");
  EXPECT_EQ(call(up, "/pg4/query?" + addr, "SELECT * FROM e"),
            "columns: id:int64,day:date,at:datetime,u:uuid,j:jsonb,d:decimal,a:array-int32,"
            "i:interval,t:time\n"
            "i64:7|date:2024-02-29|datetime:2024-03-01T12:34:56.000000000|"
            "uuid:123e4567-e89b-12d3-a456-426614174000|json:{\"a\": [1, 2]}|dec:-12.340|"
            "ai32:1,null,3|interval:1500000,2,3|time:23:59:58.000000000\n");
  // numeric's base-10000 digits, weights and scales.
  EXPECT_EQ(
      call(up, "/pg4/query?" + addr,
           "SELECT 0.0001::numeric AS a, 10000::numeric AS b, 123456789.000123::numeric AS c, "
           "0::numeric AS d, 'NaN'::numeric AS e, -0.5::numeric AS f, 1e20::numeric AS g, "
           "12.30::numeric(8,3) AS h"),
      "columns: a:decimal,b:decimal,c:decimal,d:decimal,e:decimal,f:decimal,g:decimal,"
      "h:decimal\n"
      "dec:0.0001|dec:10000|dec:123456789.000123|dec:0|dec:NaN|dec:-0.5|"
      "dec:100000000000000000000|dec:12.300\n");
  // Arrays of text and int8, ranges of int8 and numeric, as parameters and back.
  EXPECT_EQ(call(up, "/pg4/query?" + addr,
                 "SELECT ARRAY['a', NULL, 'c'] AS s, ARRAY[1::int8, NULL] AS l, "
                 "int8range(5, 9, '[]') AS r, numrange(1.5, NULL) AS n"),
            "columns: s:array-str,l:array-int64,r:range-int64,n:range-decimal\n"
            "astr:a,null,c|ai64:1,null|ri64:5i,10x|rdec:1.5i,inf\n");
  EXPECT_EQ(call(up, "/pg4/query?" + addr + "&ri32:" + enc("-3,7") + "&ai32:" + enc("null,4"),
                 "SELECT $1 AS r, $2 AS a, upper($1) AS u"),
            "columns: r:range-int32,a:array-int32,u:int32\nri32:-3i,7x|ai32:null,4|i32:7\n");
  // A type without a case: other(<its name>), unsupported(<its binary form>).
  std::string ip = call(up, "/pg4/query?" + addr, "SELECT '1.2.3.4'::inet AS ip");
  EXPECT_EQ(ip.rfind("columns: ip:other(inet)\nunsupported:", 0), 0u) << ip;
  std::string at = call(up, "/pg4/query?" + addr + "&ts:86400",
                        "SELECT $1 AT TIME ZONE 'UTC' AS at, int4range(1, 5) AS r");
  EXPECT_EQ(at,
            "columns: at:datetime,r:range-int32\n"
            "datetime:1970-01-02T00:00:00.000000000|ri32:1i,5x\n");
  // Structured server errors, and bad parameters.
  EXPECT_EQ(call(up, "/pg4/query?" + addr, "SELECT * FROM missing"),
            "error 2: db-error 42P01 relation \"missing\" does not exist");
  EXPECT_EQ(call(up, "/pg4/query?" + addr + "&date:2023-02-29", "SELECT $1"),
            "error 1: invalid date y=2023, m=2, d=29");
  EXPECT_EQ(call(up, "/pg4/query?" + addr + "&uuid:nope", "SELECT $1"),
            "error 1: invalid UUID nope");
  EXPECT_EQ(call(up, "/pg4/query?addr=" + enc("postgres://spin@127.0.0.2/x"), "SELECT 1"),
            "open error 0: address postgres://127.0.0.2 is not permitted");
}

TEST(OutboundPg, ConcurrentRequestsShareThePool) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  Up up(make_v1_app("pg-many", "host_rdbms.wasm", {{"PG_ADDRESS", pg.url()}}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_EQ(call(up, "/pg/execute", "CREATE TABLE c (n int4)"), "ok 0");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        if (call(up, "/pg/execute?i32:" + std::to_string(t * 100 + i),
                 "INSERT INTO c VALUES ($1)") == "ok 1")
          ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(pg.psql("SELECT count(DISTINCT n) FROM c").out, "100\n");
  // The pool keeps at most 8 idle connections to an address.
  std::string conns = pg.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'spin'").out;
  EXPECT_LE(std::stoi(conns), 8) << conns;
}

TEST(OutboundPg, DeadlineCancelsTheStatement) {
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  Up up(make_v1_app("pg-deadline", "host_rdbms.wasm", {{"PG_ADDRESS", pg.url()}}),
        {"--timeout", "2s"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(http_code({"--data-binary", "SELECT pg_sleep(20)", up.url() + "/pg/query"}), "504");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(up.log().find("outbound PostgreSQL: timed out waiting for the server"),
            std::string::npos)
      << up.log();
  // The statement was cancelled and its connection closed; the next request
  // gets a good one.
  EXPECT_EQ(call(up, "/pg/query", "SELECT 1 AS one"), "columns: one:int32\ni32:1\n");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' "
                    "AND state = 'active' AND pid <> pg_backend_pid()")
                .out,
            "0\n");
}

TEST(OutboundPg, ComponentV41ConnectionBuilder) {
  ASSERT_EQ(missing_guest("rdbms_component.wasm"), "");
  PgServer pg;
  ASSERT_TRUE(pg.ready()) << pg.error();
  std::string addr = "addr=" + enc(pg.url());
  Up up(make_app("pg41", "rdbms_component.wasm", {"postgres://127.0.0.1:*"}));
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/pg41/query?" + addr + "&i32:5", "SELECT $1 + 1 AS n"),
            "columns: n:int32\ni32:6\n");
  EXPECT_EQ(call(up, "/pg41/query?" + addr + "&ca=" + enc("-----BEGIN CERTIFICATE-----"),
                 "SELECT 1 AS one"),
            "ca error 4: spindle does not support custom root certificates; the system's are "
            "used\ncolumns: one:int32\ni32:1\n");
  EXPECT_EQ(call(up, "/pg41/query?addr=" + enc("postgres://spin@127.0.0.2:5432/x"), "SELECT 1"),
            "open error 0: address postgres://127.0.0.2:5432 is not permitted");
}

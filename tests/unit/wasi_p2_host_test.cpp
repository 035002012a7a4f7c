// The WASI 0.2 host functions called directly, as a component's lowered
// imports call them: what a C program through jco's adapter cannot reach
// (sockets, the check-write contract, poll over several pollables, stream
// errors, the io.h pollable contract for other stream producers).
#include <chrono>
#include <thread>

#include "wasi/p2/define.h"
#include "wasi/p2/io.h"
#include "wasi_p2_util.h"

namespace spindle::wasi::p2::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kStreams = "wasi:io/streams";
constexpr const char* kPoll = "wasi:io/poll";
constexpr const char* kMono = "wasi:clocks/monotonic-clock";

uint32_t stdout_rep(HostCalls& h) { return h.ok("wasi:cli/stdout", "get-stdout", {}).rep(); }

TEST(WasiP2Host, EverySocketOperationIsAccessDenied) {
  HostCalls h;
  constexpr uint32_t kAccessDenied = 1;
  Val net = h.ok("wasi:sockets/instance-network", "instance-network", {});
  ASSERT_TRUE(net.is(component::ValKind::Own));
  for (uint32_t family : {0u, 1u}) {
    Val t = h.ok("wasi:sockets/tcp-create-socket", "create-tcp-socket", {Val::enumeration(family)});
    ASSERT_FALSE(t.is_ok());
    EXPECT_EQ(t.payload()->case_index(), kAccessDenied);
    Val u = h.ok("wasi:sockets/udp-create-socket", "create-udp-socket", {Val::enumeration(family)});
    ASSERT_FALSE(u.is_ok());
    EXPECT_EQ(u.payload()->case_index(), kAccessDenied);
  }
  Val l = h.ok("wasi:sockets/ip-name-lookup", "resolve-addresses",
               {Val::borrow(net.rep()), Val::string("example.com")});
  ASSERT_FALSE(l.is_ok());
  EXPECT_EQ(l.payload()->case_index(), kAccessDenied);
  // Every interface of the world is there.
  for (const char* k : {"wasi:sockets/tcp@0.2.0#[method]tcp-socket.start-connect",
                        "wasi:sockets/udp@0.2.0#[method]udp-socket.stream",
                        "wasi:sockets/network@0.2.0#network-error-code"})
    EXPECT_TRUE(h.host().funcs.contains(k)) << k;
}

TEST(WasiP2Host, WritingMoreThanCheckWritePermittedTraps) {
  HostCalls h;
  uint32_t out = stdout_rep(h);
  Val cw = h.ok(kStreams, "[method]output-stream.check-write", {Val::borrow(out)});
  ASSERT_TRUE(cw.is_ok());
  uint64_t permitted = cw.payload()->as_u64();
  ASSERT_GT(permitted, 0u);
  Val w = h.ok(kStreams, "[method]output-stream.write", {Val::borrow(out), Val::bytes("hi\n")});
  EXPECT_TRUE(w.is_ok());
  EXPECT_EQ(h.p1().stdout_buffer(), "hi\n");
  std::vector<Val> r;
  auto o = h.call(kStreams, "[method]output-stream.write",
                  {Val::borrow(out), Val::bytes(std::string(permitted + 1, 'x'))}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::HostError) << engine::describe(o);
  o = h.call(kStreams, "[method]output-stream.blocking-write-and-flush",
             {Val::borrow(out), Val::bytes(std::string(4097, 'x'))}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::HostError) << engine::describe(o);
  EXPECT_EQ(h.p1().stdout_buffer(), "hi\n");
  Val z = h.ok(kStreams, "[method]output-stream.blocking-write-zeroes-and-flush",
               {Val::borrow(out), Val::u64(2)});
  EXPECT_TRUE(z.is_ok());
  EXPECT_EQ(h.p1().stdout_buffer(), std::string("hi\n\0\0", 5));
}

TEST(WasiP2Host, CaptureLimitIsAStreamErrorWithADebugString) {
  wasi::Config cfg;
  cfg.capture_limit = 4;
  HostCalls h(cfg);
  uint32_t err = h.ok("wasi:cli/stderr", "get-stderr", {}).rep();
  Val w = h.ok(kStreams, "[method]output-stream.blocking-write-and-flush",
               {Val::borrow(err), Val::bytes("too long")});
  ASSERT_FALSE(w.is_ok());
  const Val& se = *w.payload();
  ASSERT_EQ(se.case_index(), 0u);  // last-operation-failed(error)
  Val s =
      h.ok("wasi:io/error", "[method]error.to-debug-string", {Val::borrow(se.payload()->rep())});
  EXPECT_NE(std::string(s.as_string()).find("too large"), std::string::npos) << s.as_string();
  EXPECT_EQ(h.p1().stderr_buffer(), "");
}

TEST(WasiP2Host, StdinReadsThenCloses) {
  HostCalls h;
  h.p1().set_stdin("abcdef");
  uint32_t in = h.ok("wasi:cli/stdin", "get-stdin", {}).rep();
  Val a = h.ok(kStreams, "[method]input-stream.read", {Val::borrow(in), Val::u64(4)});
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a.payload()->as_bytes(), "abcd");
  Val s = h.ok(kStreams, "[method]input-stream.skip", {Val::borrow(in), Val::u64(1)});
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s.payload()->as_u64(), 1u);
  Val b = h.ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(in), Val::u64(100)});
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b.payload()->as_bytes(), "f");
  Val c = h.ok(kStreams, "[method]input-stream.read", {Val::borrow(in), Val::u64(100)});
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.payload()->case_index(), 1u);  // closed
}

TEST(WasiP2Host, SpliceMovesStdinToStdout) {
  HostCalls h;
  h.p1().set_stdin("spliced");
  uint32_t in = h.ok("wasi:cli/stdin", "get-stdin", {}).rep();
  uint32_t out = stdout_rep(h);
  Val a = h.ok(kStreams, "[method]output-stream.splice",
               {Val::borrow(out), Val::borrow(in), Val::u64(3)});
  ASSERT_TRUE(a.is_ok()) << a.debug();
  EXPECT_EQ(a.payload()->as_u64(), 3u);
  Val b = h.ok(kStreams, "[method]output-stream.blocking-splice",
               {Val::borrow(out), Val::borrow(in), Val::u64(100)});
  ASSERT_TRUE(b.is_ok()) << b.debug();
  EXPECT_EQ(b.payload()->as_u64(), 4u);
  EXPECT_EQ(h.p1().stdout_buffer(), "spliced");
  Val c = h.ok(kStreams, "[method]output-stream.blocking-splice",
               {Val::borrow(out), Val::borrow(in), Val::u64(100)});
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.payload()->case_index(), 1u);  // closed
}

TEST(WasiP2Host, NullStdioDiscardsAndReadsEof) {
  wasi::Config cfg;
  HostCalls h(cfg);
  // HostCalls captures; a Null environment of its own:
  cfg.stdio = wasi::Stdio::Null;
  std::string error;
  auto env = wasi::make_environment(cfg, error);
  wasi::Context p1(env);
  Context p2(p1);
  h.data.wasi = &p1;
  h.data.wasi_p2 = &p2;
  uint32_t out = stdout_rep(h);
  EXPECT_TRUE(h.ok(kStreams, "[method]output-stream.write", {Val::borrow(out), Val::bytes("gone")})
                  .is_ok());
  uint32_t in = h.ok("wasi:cli/stdin", "get-stdin", {}).rep();
  Val r = h.ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(in), Val::u64(10)});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.payload()->case_index(), 1u);  // closed
  EXPECT_EQ(p1.stdout_buffer(), "");
}

TEST(WasiP2Host, RandomEnvironmentAndTerminals) {
  wasi::Config cfg;
  cfg.args = {"prog", "x"};
  cfg.env = {"A=1", "B=two=2"};
  HostCalls h(cfg);
  Val a = h.ok("wasi:random/random", "get-random-bytes", {Val::u64(32)});
  Val b = h.ok("wasi:random/random", "get-random-bytes", {Val::u64(32)});
  EXPECT_EQ(a.as_bytes().size(), 32u);
  EXPECT_NE(a.as_bytes(), b.as_bytes());
  EXPECT_EQ(
      h.ok("wasi:random/insecure", "get-insecure-random-bytes", {Val::u64(5)}).as_bytes().size(),
      5u);
  EXPECT_NE(h.ok("wasi:random/random", "get-random-u64", {}).as_u64(),
            h.ok("wasi:random/random", "get-random-u64", {}).as_u64());
  EXPECT_EQ(h.ok("wasi:random/insecure-seed", "insecure-seed", {}).as_tuple().size(), 2u);
  std::vector<Val> r;
  auto o = h.call("wasi:random/random", "get-random-bytes", {Val::u64(uint64_t{1} << 40)}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::HostError);
  Val env = h.ok("wasi:cli/environment", "get-environment", {});
  ASSERT_EQ(env.as_list().size(), 2u);
  EXPECT_EQ(env.as_list()[1].as_tuple()[0].as_string(), "B");
  EXPECT_EQ(env.as_list()[1].as_tuple()[1].as_string(), "two=2");
  Val args = h.ok("wasi:cli/environment", "get-arguments", {});
  ASSERT_EQ(args.as_list().size(), 2u);
  EXPECT_EQ(args.as_list()[1].as_string(), "x");
  EXPECT_FALSE(h.ok("wasi:cli/environment", "initial-cwd", {}).is_some());
  for (const char* t : {"stdin", "stdout", "stderr"})
    EXPECT_FALSE(h.ok(std::string("wasi:cli/terminal-") + t, std::string("get-terminal-") + t, {})
                     .is_some());
  Val wall = h.ok("wasi:clocks/wall-clock", "now", {});
  EXPECT_NEAR(static_cast<double>(wall.as_record()[0].as_u64()),
              static_cast<double>(std::time(nullptr)), 5.0);
  EXPECT_GT(h.ok(kMono, "resolution", {}).as_u64(), 0u);
}

TEST(WasiP2Host, PollReturnsTheReadyPollablesAndTimersFire) {
  HostCalls h;
  uint32_t later = h.ok(kMono, "subscribe-duration", {Val::u64(3600ull * 1000000000ull)}).rep();
  uint32_t soon = h.ok(kMono, "subscribe-duration", {Val::u64(20 * 1000000)}).rep();
  EXPECT_FALSE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(soon)}).as_bool());
  auto t0 = Clock::now();
  Val ready = h.ok(kPoll, "poll", {Val::list({Val::borrow(later), Val::borrow(soon)})});
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(15));
  ASSERT_EQ(ready.as_list().size(), 1u);
  EXPECT_EQ(ready.as_list()[0].as_u32(), 1u);
  EXPECT_TRUE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(soon)}).as_bool());
  // An instant in the past is ready at once; block returns.
  uint64_t now = h.ok(kMono, "now", {}).as_u64();
  uint32_t past = h.ok(kMono, "subscribe-instant", {Val::u64(now - 1)}).rep();
  h.ok(kPoll, "[method]pollable.block", {Val::borrow(past)});
  // Streams are pollables' parents: stdout is always ready.
  uint32_t sub =
      h.ok(kStreams, "[method]output-stream.subscribe", {Val::borrow(stdout_rep(h))}).rep();
  Val r2 = h.ok(kPoll, "poll", {Val::list({Val::borrow(later), Val::borrow(sub)})});
  ASSERT_EQ(r2.as_list().size(), 1u);
  EXPECT_EQ(r2.as_list()[0].as_u32(), 1u);
}

TEST(WasiP2Host, WaitsEndAtTheInstanceDeadlineWithATimeoutTrap) {
  HostCalls h;
  h.data.deadline = Clock::now() + std::chrono::milliseconds(50);
  uint32_t later = h.ok(kMono, "subscribe-duration", {Val::u64(3600ull * 1000000000ull)}).rep();
  std::vector<Val> r;
  auto t0 = Clock::now();
  auto o = h.call(kPoll, "poll", {Val::list({Val::borrow(later)})}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::Timeout) << engine::describe(o);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  o = h.call(kPoll, "[method]pollable.block", {Val::borrow(later)}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::Timeout) << engine::describe(o);
}

// The io.h contract another producer (wasi:http bodies) relies on: its own
// InputStream in the table, a pollable on it, blocking-read waiting for it.
class Trickle : public InputStream {
 public:
  explicit Trickle(Clock::time_point at) : at_(at) {}
  bool ready() override { return Clock::now() >= at_; }
  bool wait(Deadline d) override {
    auto until = d && *d < at_ ? *d : at_;
    std::this_thread::sleep_until(until);
    return ready();
  }
  StreamResult read(uint64_t max, std::string& out) override {
    if (done_) return StreamResult::closed();
    if (!ready() || max == 0) return StreamResult::ok();
    out += "body";
    done_ = true;
    return StreamResult::ok();
  }

 private:
  Clock::time_point at_;
  bool done_ = false;
};

TEST(WasiP2Host, OtherProducersStreamsArePolledAndReadThroughWasiIo) {
  HostCalls h;
  uint32_t s =
      h.p2().table().add(std::make_unique<Trickle>(Clock::now() + std::chrono::milliseconds(30)));
  ASSERT_NE(s, 0u);
  uint32_t p = make_pollable(h.p2(), s);
  EXPECT_FALSE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(p)}).as_bool());
  Val r = h.ok(kStreams, "[method]input-stream.read", {Val::borrow(s), Val::u64(10)});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.payload()->as_bytes(), "");
  r = h.ok(kStreams, "[method]input-stream.blocking-read", {Val::borrow(s), Val::u64(10)});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.payload()->as_bytes(), "body");
  EXPECT_TRUE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(p)}).as_bool());
  // A pollable whose parent is gone reads as ready; a new object in the
  // parent's place gets a pollable of its own.
  h.p2().table().remove(s);
  EXPECT_TRUE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(p)}).as_bool());
  uint32_t s2 = h.p2().table().add(std::make_unique<Trickle>(Clock::now() + std::chrono::hours(1)));
  uint32_t p2 = make_pollable(h.p2(), s2);
  EXPECT_NE(p2, p);
  EXPECT_FALSE(h.ok(kPoll, "[method]pollable.ready", {Val::borrow(p2)}).as_bool());
}

TEST(WasiP2Host, FilesystemDescriptorsStreamsAndErrorCodes) {
  fs::path dir = spindle::test::temp_dir("wasi_p2_host_fs");
  std::ofstream(dir / "f.txt") << "file text";
  wasi::Config cfg;
  cfg.preopens.push_back({dir, "/ro", true});
  HostCalls h(cfg);
  constexpr const char* kTypes = "wasi:filesystem/types";
  Val dirs = h.ok("wasi:filesystem/preopens", "get-directories", {});
  ASSERT_EQ(dirs.as_list().size(), 1u);
  EXPECT_EQ(dirs.as_list()[0].as_tuple()[1].as_string(), "/ro");
  uint32_t root = dirs.as_list()[0].as_tuple()[0].rep();
  // open-at (read), then read-via-stream and read.
  Val f =
      h.ok(kTypes, "[method]descriptor.open-at",
           {Val::borrow(root), Val::flags(1), Val::string("f.txt"), Val::flags(0), Val::flags(1)});
  ASSERT_TRUE(f.is_ok()) << f.debug();
  uint32_t file = f.payload()->rep();
  Val st = h.ok(kTypes, "[method]descriptor.stat", {Val::borrow(file)});
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st.payload()->as_record()[0].case_index(), 6u);  // regular-file
  EXPECT_EQ(st.payload()->as_record()[2].as_u64(), 9u);
  Val rs = h.ok(kTypes, "[method]descriptor.read-via-stream", {Val::borrow(file), Val::u64(5)});
  ASSERT_TRUE(rs.is_ok());
  Val data = h.ok(kStreams, "[method]input-stream.blocking-read",
                  {Val::borrow(rs.payload()->rep()), Val::u64(100)});
  ASSERT_TRUE(data.is_ok());
  EXPECT_EQ(data.payload()->as_bytes(), "text");
  Val rd = h.ok(kTypes, "[method]descriptor.read", {Val::borrow(file), Val::u64(4), Val::u64(0)});
  ASSERT_TRUE(rd.is_ok());
  EXPECT_EQ(rd.payload()->as_tuple()[0].as_bytes(), "file");
  // Read-only: mutation is not-permitted (31); escapes too.
  auto code = [](const Val& v) {
    return v.is_ok() ? -1 : static_cast<int>(v.payload()->case_index());
  };
  EXPECT_EQ(code(h.ok(kTypes, "[method]descriptor.open-at",
                      {Val::borrow(root), Val::flags(0), Val::string("new"), Val::flags(1),
                       Val::flags(2)})),
            31);
  EXPECT_EQ(
      code(h.ok(kTypes, "[method]descriptor.write-via-stream", {Val::borrow(file), Val::u64(0)})),
      31);
  EXPECT_EQ(code(h.ok(kTypes, "[method]descriptor.create-directory-at",
                      {Val::borrow(root), Val::string("d")})),
            31);
  EXPECT_EQ(code(h.ok(kTypes, "[method]descriptor.open-at",
                      {Val::borrow(root), Val::flags(1), Val::string("../etc"), Val::flags(0),
                       Val::flags(1)})),
            31);
  EXPECT_EQ(code(h.ok(kTypes, "[method]descriptor.stat-at",
                      {Val::borrow(root), Val::flags(1), Val::string("missing")})),
            20);  // no-entry
  // A stream error on a directory carries its filesystem error code.
  Val d = h.ok(kTypes, "[method]descriptor.open-at",
               {Val::borrow(root), Val::flags(1), Val::string("."), Val::flags(2), Val::flags(1)});
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(code(h.ok(kTypes, "[method]descriptor.read-via-stream",
                      {Val::borrow(d.payload()->rep()), Val::u64(0)})),
            14);  // is-directory
  Val entries = h.ok(kTypes, "[method]descriptor.read-directory", {Val::borrow(root)});
  ASSERT_TRUE(entries.is_ok());
  Val e = h.ok(kTypes, "[method]directory-entry-stream.read-directory-entry",
               {Val::borrow(entries.payload()->rep())});
  ASSERT_TRUE(e.is_ok() && e.payload()->is_some());
  EXPECT_EQ(e.payload()->payload()->as_record()[1].as_string(), "f.txt");
  e = h.ok(kTypes, "[method]directory-entry-stream.read-directory-entry",
           {Val::borrow(entries.payload()->rep())});
  ASSERT_TRUE(e.is_ok());
  EXPECT_FALSE(e.payload()->is_some());
  uint32_t io_err = make_error(h.p2(), "x", 14);
  Val fe = h.ok(kTypes, "filesystem-error-code", {Val::borrow(io_err)});
  ASSERT_TRUE(fe.is_some());
  EXPECT_EQ(fe.payload()->case_index(), 14u);
}

}  // namespace
}  // namespace spindle::wasi::p2::test

// `spindle run` end to end, on both backends: output, arguments, exit codes,
// every trap kind, limits, invalid modules.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "process.h"

using spindle::test::guest;
using spindle::test::run_spindle;

namespace {

class Run : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<std::string> base() { return {"run", "--backend", GetParam()}; }
  spindle::test::Result run(std::vector<std::string> extra) {
    auto args = base();
    args.insert(args.end(), extra.begin(), extra.end());
    return run_spindle(args);
  }
};

TEST_P(Run, HelloPrintsItsGreeting) {
  auto r = run({guest("hello")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
}

TEST_P(Run, GuestExitCodeIsSpindlesExitCode) {
  auto r = run({guest("traps"), "exit:7"});
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "about to trap: exit:7\n");
  r = run({guest("traps"), "exit:0"});
  EXPECT_EQ(r.status, 0) << r.err;
}

struct TrapCase {
  const char* arg;
  const char* name;
};

TEST_P(Run, EveryTrapKindIsReportedWithItsName) {
  const TrapCase cases[] = {
      {"oob", "out-of-bounds"},          {"unreachable", "unreachable"},
      {"divzero", "divide-by-zero"},     {"overflow", "integer-overflow"},
      {"convert", "invalid-conversion"}, {"indirect", "indirect-call-mismatch"},
      {"stack", "stack-exhausted"},
  };
  for (const auto& c : cases) {
    auto r = run({guest("traps"), c.arg});
    EXPECT_EQ(r.status, 134) << c.arg << ": " << r.err;
    EXPECT_NE(r.err.find(std::string("(") + c.name + ")"), std::string::npos)
        << c.arg << ": " << r.err;
    // Output written before the trap is not lost.
    EXPECT_EQ(r.out, std::string("about to trap: ") + c.arg + "\n");
  }
}

TEST_P(Run, TimeoutTrapsAnEndlessGuest) {
  auto r = run({"--timeout", "300ms", guest("traps"), "loop"});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_NE(r.err.find("(timeout)"), std::string::npos) << r.err;
}

TEST_P(Run, TimeoutIsNotHeldBackByAHostSideSleep) {
  auto start = std::chrono::steady_clock::now();
  auto r = run({"--timeout", "300ms", guest("traps"), "sleep"});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_NE(r.err.find("(timeout)"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_P(Run, MaxMemoryTrapsAGreedyGuest) {
  auto r = run({"--max-memory", "8MiB", guest("traps"), "memory"});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_NE(r.err.find("(memory-limit)"), std::string::npos) << r.err;
  r = run({"--max-memory", "64pages", guest("hello")});
  EXPECT_EQ(r.status, 0) << r.err;
  r = run({"--max-memory", "lots", guest("hello")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--max-memory"), std::string::npos);
}

TEST_P(Run, InvalidModuleIsRefusedNamingTheFunction) {
  std::string dir = spindle::test::temp_dir("invalid");
  // (module (func (result i32) i64.const 1)) assembled by hand: type error in function 0.
  const unsigned char bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b};
  std::string path = dir + "/bad.wasm";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes), sizeof bytes);
  auto r = run({path});
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("function 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("type mismatch"), std::string::npos) << r.err;
  r = run({dir + "/missing.wasm"});
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, Run, ::testing::Values("native", "interp"),
                         [](const auto& info) { return info.param; });

}  // namespace

// WASI guests end to end: the full preview-1 transcript must be identical on
// both backends, and no sandbox escape may succeed on either.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "process.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

Result run_wasi_all(const std::string& backend) {
  std::string dir = temp_dir("wasi-all-" + backend);
  return run_spindle({"run", "--backend", backend, "--dir", dir + "::/work", "--env", "SPINDLE_T=1",
                      "--env", "EMPTY=", guest("wasi_all"), "/work", "second arg"});
}

TEST(Wasi, EveryFunctionGivesTheSameTranscriptOnBothBackends) {
  Result native = run_wasi_all("native");
  Result interp = run_wasi_all("interp");
  EXPECT_EQ(native.status, 0) << native.out << native.err;
  EXPECT_EQ(interp.status, 0) << interp.out << interp.err;
  EXPECT_NE(native.out.find("failures: 0"), std::string::npos) << native.out;
  EXPECT_GT(native.out.size(), 1000u);
  EXPECT_EQ(native.out, interp.out);
}

class Sandbox : public ::testing::TestWithParam<std::string> {};

TEST_P(Sandbox, NoEscapeSucceedsAndNothingOutsideChanges) {
  std::string root = temp_dir("sandbox-" + GetParam());
  fs::create_directories(root + "/box");
  fs::create_directories(root + "/ro");
  { std::ofstream(root + "/ro/data.txt") << "read only\n"; }
  { std::ofstream(root + "/secret.txt") << "outside\n"; }
  Result r = run_spindle({"run", "--backend", GetParam(), "--dir", root + "/box::/box", "--dir-ro",
                          root + "/ro::/ro", guest("wasi_sandbox"), "/box", "/ro"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("failures: 0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  // Nothing was created next to the preopens, and the read-only file is intact.
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(root)) top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<std::string>{"box", "ro", "secret.txt"}));
  std::ifstream ro(root + "/ro/data.txt");
  std::string line;
  std::getline(ro, line);
  EXPECT_EQ(line, "read only");
  std::vector<std::string> ro_entries;
  for (const auto& e : fs::directory_iterator(root + "/ro"))
    ro_entries.push_back(e.path().filename().string());
  EXPECT_EQ(ro_entries, (std::vector<std::string>{"data.txt"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Sandbox, ::testing::Values("native", "interp"),
                         [](const auto& info) { return info.param; });

}  // namespace

#include "test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace spindle::test {

std::string temp_dir(std::string_view name) {
  std::filesystem::path base = std::filesystem::temp_directory_path() /
                               ("spindle-test-" + std::to_string(getpid())) / std::string(name);
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  return base.string();
}

std::vector<uint8_t> wat(std::string_view text, bool validate) {
  // Unique names and no shared clean-up: safe from several threads at once.
  static std::atomic<int> counter{0};
  static const std::string dir = temp_dir("wat");
  std::string base = dir + "/m" + std::to_string(counter.fetch_add(1));
  {
    std::ofstream f(base + ".wat");
    f << text;
  }
  std::string cmd = std::string("wat2wasm ") + (validate ? "" : "--no-check ") + "'" + base +
                    ".wat' -o '" + base + ".wasm' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string msg;
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) msg += buf;
  int rc = p ? pclose(p) : -1;
  EXPECT_EQ(rc, 0) << "wat2wasm failed: " << msg;
  std::ifstream f(base + ".wasm", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove(base + ".wat");
  std::filesystem::remove(base + ".wasm");
  return bytes;
}

}  // namespace spindle::test

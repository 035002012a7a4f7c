#include "test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

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
  static int counter = 0;
  std::string dir = temp_dir("wat");
  std::string in = dir + "/m" + std::to_string(++counter) + ".wat";
  std::string out = in + ".wasm";
  {
    std::ofstream f(in);
    f << text;
  }
  std::string cmd = std::string("wat2wasm --enable-all ") + (validate ? "" : "--no-check ") + "'" +
                    in + "' -o '" + out + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string msg;
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) msg += buf;
  int rc = p ? pclose(p) : -1;
  EXPECT_EQ(rc, 0) << "wat2wasm failed: " << msg;
  std::ifstream f(out, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

}  // namespace spindle::test

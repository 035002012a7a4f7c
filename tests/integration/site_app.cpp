#include "site_app.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "process.h"

namespace spindle::test {
namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string make_site(const std::string& name, const std::string& env_lines) {
  const fs::path site =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "examples" / "site";
  std::string dir = temp_dir(name);
  fs::copy_file(site / "spin.toml", dir + "/spin.toml");
  fs::create_directories(dir + "/target");
  fs::copy_file(guest("site_likes"), dir + "/target/likes.wasm");
  fs::copy_file(guest("static_fileserver"), dir + "/target/fileserver.wasm");
  Result gen = run_process({"python3", (site / "generate.py").string(), "--out", dir + "/public"});
  EXPECT_EQ(gen.status, 0) << gen.out << gen.err;
  write_file(dir + "/.env",
             std::string("SPIN_VARIABLE_JWT_SECRET=") + kSiteSecret + "\n" + env_lines);
  return dir;
}

}  // namespace spindle::test

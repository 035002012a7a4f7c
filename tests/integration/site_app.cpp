#include "site_app.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "../../examples/site/likes/src/jwt.hpp"
#include "process.h"

namespace fs = std::filesystem;

namespace spindle::test {

const fs::path kExamples =
    fs::path(__FILE__).parent_path().parent_path().parent_path() / "examples";
const fs::path kSite = kExamples / "site";

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string make_site(const std::string& name, const std::string& env_lines) {
  std::string dir = temp_dir(name);
  fs::copy_file(kSite / "spin.toml", dir + "/spin.toml");
  fs::create_directories(dir + "/target");
  fs::copy_file(guest("site_likes"), dir + "/target/likes.wasm");
  fs::copy_file(guest("static_fileserver"), dir + "/target/fileserver.wasm");
  Result gen = run_process({"python3", (kSite / "generate.py").string(), "--out", dir + "/public"});
  EXPECT_EQ(gen.status, 0) << gen.out << gen.err;
  write_file(dir + "/.env",
             std::string("SPIN_VARIABLE_JWT_SECRET=") + kSiteSecret + "\n" + env_lines);
  return dir;
}

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string visitor_token(const std::string& sub, int64_t exp, const std::string& secret) {
  return likes::jwt::sign(R"({"sub":")" + sub + R"(","iat":)" + std::to_string(unix_now()) +
                              R"(,"exp":)" + std::to_string(exp) + "}",
                          secret);
}

}  // namespace spindle::test

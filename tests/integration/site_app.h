// The example site (examples/site) as the tests serve it: its spin.toml as
// shipped, the modules built from its sources, the pages generate.py makes,
// and visitor tokens signed with the test secret.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace spindle::test {

extern const std::filesystem::path kExamples;  // <repo>/examples
extern const std::filesystem::path kSite;      // <repo>/examples/site
inline constexpr const char* kSiteSecret = "site-test-secret";

// A copy of the site in a fresh temp folder `name`: spin.toml, target/*.wasm
// from the build, public/ from generate.py, and `.env` holding the JWT
// secret plus `env_lines`.
std::string make_site(const std::string& name, const std::string& env_lines = "");

// Writes `text` to `path`, creating its folder.
void write_file(const std::string& path, const std::string& text);

int64_t unix_now();

// A visitor token for visitor `sub` that expires at `exp` (unix time).
std::string visitor_token(const std::string& sub, int64_t exp,
                          const std::string& secret = kSiteSecret);

}  // namespace spindle::test

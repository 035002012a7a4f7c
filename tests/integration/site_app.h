// The example site (examples/site) ready to serve in tests, without building
// it: its spin.toml as shipped, target/*.wasm from the test guests, public/
// from generate.py and a .env with the JWT secret.
#pragma once

#include <string>

namespace spindle::test {

inline constexpr const char* kSiteSecret = "site-test-secret";

// Writes `text` to `path`, making its folders.
void write_file(const std::string& path, const std::string& text);

// A temp folder holding the site; `.env` has SPIN_VARIABLE_JWT_SECRET=kSiteSecret
// and then `env_lines`.
std::string make_site(const std::string& name, const std::string& env_lines = "");

}  // namespace spindle::test

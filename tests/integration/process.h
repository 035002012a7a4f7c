// Running the spindle binary from tests.
#pragma once

#include <string>
#include <vector>

namespace spindle::test {

struct Result {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] looked up in PATH unless it has a slash) with extra
// environment entries "K=V", capturing stdout and stderr.
Result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// Runs spindle with `args` and a test-local compile cache.
Result run_spindle(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

std::string guest(const std::string& name);  // path of build/guests/<name>.wasm

std::string temp_dir(const std::string& name);

std::string slurp(const std::string& path);  // a whole file ("" when missing)

}  // namespace spindle::test

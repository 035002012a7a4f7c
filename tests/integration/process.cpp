#include "process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace spindle::test {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_dir(const std::string& name) {
  auto p =
      std::filesystem::temp_directory_path() / ("spindle-it-" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

Result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  static std::atomic<int> counter{0};
  static const std::string dir = temp_dir("io");  // once: callers may be concurrent
  std::string out = dir + "/out" + std::to_string(++counter);
  std::string err = out + ".err";
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> envs(env);  // first: getenv() takes the first match
  for (char** e = environ; *e; ++e) envs.push_back(*e);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  Result r;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data()) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    r.err = "cannot start " + argv[0];
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

Result run_spindle(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {SPINDLE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> e(env);  // the caller's entries win (first match)
  e.push_back(std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE);
  return run_process(argv, e);
}

std::string guest(const std::string& name) {
  return std::string(SPINDLE_GUEST_DIR) + "/" + name + ".wasm";
}

}  // namespace spindle::test

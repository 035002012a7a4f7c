#include "engine/native/compiler.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/native/cache.h"
#include "util/sha256.h"

extern char** environ;

namespace spindle::engine::native {
namespace {

// -fstack-clash-protection: a function whose frame is larger than a page
// touches it page by page, so deep recursion always faults on the thread's
// guard page (which the runtime turns into "call stack exhausted") instead of
// jumping past it into whatever is mapped below (another thread's stack).
constexpr const char* kFlags[] = {"-shared",
                                  "-fPIC",
                                  "-O2",
                                  "-fvisibility=hidden",
                                  "-fno-strict-aliasing",
                                  "-fstack-clash-protection",
                                  "-w",
                                  "-DNDEBUG"};

// Keep signalling NaNs from being folded away (x * 1.0 must quiet a NaN, as
// the Wasm spec requires): the flag differs between clang and gcc.
const char* nan_flag(const Compiler& cc) {
  return cc.identity.find("clang") != std::string::npos ? "-ffp-exception-behavior=maytrap"
                                                        : "-fsignaling-nans";
}

// Runs argv with stdout+stderr into `log`; returns the exit status (or -1).
int run(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_text(const std::filesystem::path& p, size_t limit) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > limit) s = s.substr(0, limit) + "\n...";
  return s;
}

// `name` as execvp would find it, resolved through symlinks; empty when absent.
std::filesystem::path resolve(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (name.find('/') != std::string::npos) {
    auto p = fs::canonical(name, ec);
    return ec ? fs::path() : p;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) {
      auto p = fs::canonical(candidate, ec);
      if (!ec) return p;
    }
  }
  return {};
}

// `--version` of a compiler binary is remembered in the cache folder, keyed
// by the binary's path, size, mtime and inode: running it costs ~50-100 ms,
// a large part of a warm `spindle up` start.
std::filesystem::path identity_file(const std::string& name) {
  auto bin = resolve(name);
  struct stat st {};
  if (bin.empty() || stat(bin.c_str(), &st) != 0) return {};
  std::string key = bin.string() + ":" + std::to_string(st.st_size) + ":" +
                    std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
                    ":" + std::to_string(st.st_ino);
  return default_cache_dir() / "native" / "compilers" / util::sha256_hex(key);
}

bool probe(const std::string& path, Compiler& out) {
  static std::mutex mu;
  static std::map<std::string, std::string> known;
  std::lock_guard lock(mu);
  if (auto it = known.find(path); it != known.end()) {
    out = {path, it->second};
    return !it->second.empty();
  }
  std::filesystem::path remembered = identity_file(path);
  if (!remembered.empty()) {
    std::string id = read_text(remembered, 4096);
    if (!id.empty()) {
      known[path] = id;
      out = {path, id};
      return true;
    }
  }
  char tmpl[] = "/tmp/spindle-cc-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return false;
  close(fd);
  int rc = run({path, "--version"}, tmpl);
  std::string id = rc == 0 ? read_text(tmpl, 4096) : std::string();
  unlink(tmpl);
  if (!id.empty() && !remembered.empty()) {
    // Written aside and renamed: concurrent starts never read half a file.
    std::error_code ec;
    std::filesystem::create_directories(remembered.parent_path(), ec);
    std::filesystem::path tmp = remembered;
    tmp += "." + std::to_string(getpid()) + ".tmp";
    std::ofstream(tmp, std::ios::binary) << id;
    std::filesystem::rename(tmp, remembered, ec);
  }
  known[path] = id;
  out = {path, id};
  return !id.empty();
}

}  // namespace

bool find_compiler(const std::string& preferred, Compiler& out, std::string& error) {
  std::vector<std::string> candidates;
  if (!preferred.empty()) {
    candidates.push_back(preferred);
  } else if (const char* env = std::getenv("SPINDLE_CC"); env && *env) {
    candidates.push_back(env);
  } else {
    candidates = {"clang-19", "cc"};
  }
  for (const auto& c : candidates)
    if (probe(c, out)) return true;
  error = "no C compiler found (tried";
  for (const auto& c : candidates) error += " " + c;
  error += "); install clang-19 or set SPINDLE_CC, or use --backend interp";
  return false;
}

std::string compile_flags(const Compiler& cc) {
  std::string s;
  for (const char* f : kFlags) s += std::string(f) + " ";
  return s + nan_flag(cc);
}

bool compile_module(const Compiler& cc, const std::filesystem::path& dir,
                    const std::filesystem::path& out, std::string_view display_name, bool progress,
                    std::string& error) {
  std::vector<std::string> argv = {cc.path};
  for (const char* f : kFlags) argv.push_back(f);
  argv.push_back(nan_flag(cc));
  argv.push_back("-I" + dir.string());
  argv.push_back((dir / "module.c").string());
  argv.push_back("-o");
  argv.push_back(out.string());

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread reporter;
  const auto start = std::chrono::steady_clock::now();
  if (progress && isatty(2)) {
    reporter = std::thread([&] {
      std::unique_lock lock(mu);
      bool shown = false;
      while (
          !cv.wait_for(lock, std::chrono::milliseconds(shown ? 250 : 1000), [&] { return done; })) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "\rspindle: compiling %.*s to native code (%.1fs)",
                     static_cast<int>(display_name.size()), display_name.data(), s);
        shown = true;
      }
      if (shown) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "\rspindle: compiled %.*s to native code in %.1fs   \n",
                     static_cast<int>(display_name.size()), display_name.data(), s);
      }
    });
  }
  int rc = run(argv, dir / "cc.log");
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (reporter.joinable()) reporter.join();
  if (rc != 0) {
    error = "C compiler " + cc.path + " failed (exit " + std::to_string(rc) + ") on the module:\n" +
            read_text(dir / "cc.log", 4000);
    return false;
  }
  return true;
}

}  // namespace spindle::engine::native

#include "engine/native/compiler.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// Starts argv with stdout+stderr into `log` and no other descriptor, at
// nice 10 when `low`; returns its pid, or -1. The child gets SIGKILL when
// the thread that started it ends, so a spindle that is killed (even with
// SIGKILL) leaves no compiler running (a linker the compiler started may
// finish, holding nothing of spindle's). Between fork and exec the child
// only makes async-signal-safe calls.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log, bool low) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent is already gone
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
    // Nothing else of spindle's goes with it: Asio opens the listening and
    // accepted sockets without O_CLOEXEC, and a compiler (or the linker it
    // starts, which outlives a SIGKILLed spindle) holding them would keep
    // the port accepting connections nobody answers, and keep closed
    // connections from reaching their clients.
    close_range(3, ~0U, 0);
    // The compiler's children (the linker) inherit the priority.
    if (low) setpriority(PRIO_PROCESS, 0, 10);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// The exit status of `pid` (-1 when it did not exit normally); with
// `nohang`, -2 while it still runs.
int reap(pid_t pid, bool nohang = false) {
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, nohang ? WNOHANG : 0);
    if (r == pid) break;
    if (r == 0) return -2;
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs argv with stdout+stderr into `log`; returns the exit status (or -1).
int run(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  pid_t pid = spawn(argv, log, false);
  return pid < 0 ? -1 : reap(pid);
}

struct Job {
  std::vector<std::string> argv;
  std::filesystem::path log;
};

// Runs `jobs`, at most `parallel` at once, at low priority. Returns the
// index of a job that failed (the others still running are killed), or -1;
// jobs.size() when `cancel` stopped them.
long run_jobs(const std::vector<Job>& jobs, unsigned parallel, const std::atomic<bool>* cancel) {
  std::vector<std::pair<pid_t, size_t>> running;
  size_t next = 0;
  long failed = -1;
  while ((next < jobs.size() && failed < 0) || !running.empty()) {
    while (failed < 0 && next < jobs.size() && running.size() < std::max(1u, parallel)) {
      pid_t pid = spawn(jobs[next].argv, jobs[next].log, true);
      if (pid < 0) {
        failed = static_cast<long>(next);
        break;
      }
      running.emplace_back(pid, next++);
    }
    if (cancel && *cancel && failed < 0) {
      failed = static_cast<long>(jobs.size());
      for (auto& [pid, index] : running) kill(pid, SIGKILL);
    }
    bool reaped = false;
    for (size_t i = 0; i < running.size(); ++i) {
      int rc = reap(running[i].first, /*nohang=*/true);
      if (rc == -2) continue;
      if (rc != 0 && failed < 0) {
        failed = static_cast<long>(running[i].second);
        for (auto& [pid, index] : running)
          if (pid != running[i].first) kill(pid, SIGKILL);
      }
      running.erase(running.begin() + static_cast<long>(i));
      reaped = true;
      break;
    }
    if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return failed;
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
  struct stat st{};
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

unsigned compile_jobs() {
  if (const char* env = std::getenv("SPINDLE_COMPILE_JOBS"); env && std::atoi(env) > 0)
    return static_cast<unsigned>(std::atoi(env));
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

bool compile_module(const Compiler& cc, const std::filesystem::path& dir, size_t parts,
                    const std::filesystem::path& out, std::string_view display_name, bool progress,
                    std::string& error, const std::atomic<bool>* cancel) {
  auto command = [&](const std::string& source, const std::filesystem::path& output) {
    std::vector<std::string> argv = {cc.path};
    for (const char* f : kFlags)
      if (parts == 0 || std::string_view(f) != "-shared") argv.push_back(f);
    argv.push_back(nan_flag(cc));
    if (parts > 0) argv.push_back("-c");
    argv.push_back("-I" + dir.string());
    argv.push_back((dir / source).string());
    argv.push_back("-o");
    argv.push_back(output.string());
    return argv;
  };
  std::vector<Job> jobs;
  if (parts == 0) {
    jobs.push_back({command("module.c", out), dir / "cc.log"});
  } else {
    jobs.push_back({command("module.c", dir / "module.o"), dir / "cc.log"});
    for (size_t k = 0; k < parts; ++k) {
      std::string part = "part" + std::to_string(k);
      jobs.push_back({command(part + ".c", dir / (part + ".o")), dir / (part + ".log")});
    }
  }

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
  long failed = run_jobs(jobs, compile_jobs(), cancel);
  int link_rc = 0;
  if (failed < 0 && parts > 0) {
    std::vector<std::string> argv = {cc.path, "-shared", "-o", out.string()};
    argv.push_back((dir / "module.o").string());
    for (size_t k = 0; k < parts; ++k)
      argv.push_back((dir / ("part" + std::to_string(k) + ".o")).string());
    link_rc = run(argv, dir / "link.log");
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (reporter.joinable()) reporter.join();
  if (failed == static_cast<long>(jobs.size())) {
    error = "the compile was cancelled";
    return false;
  }
  if (failed >= 0) {
    error = "C compiler " + cc.path + " failed on the module:\n" +
            read_text(jobs[static_cast<size_t>(failed)].log, 4000);
    return false;
  }
  if (link_rc != 0) {
    error = "C compiler " + cc.path + " failed (exit " + std::to_string(link_rc) +
            ") linking the module:\n" + read_text(dir / "link.log", 4000);
    return false;
  }
  return true;
}

}  // namespace spindle::engine::native

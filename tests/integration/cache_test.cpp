// The native compile cache: filled once, reused, bypassed by
// --disable-cache, safe under concurrent writers, keyed by compiler.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "process.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> artifacts(const std::string& cache) {
  std::vector<fs::path> out;
  if (!fs::exists(cache + "/spindle/native")) return out;
  for (const auto& e : fs::recursive_directory_iterator(cache + "/spindle/native"))
    if (e.path().extension() == ".so") out.push_back(e.path());
  return out;
}

Result run_with_cache(const std::string& cache, std::vector<std::string> args,
                      std::vector<std::string> env = {}) {
  env.push_back("XDG_CACHE_HOME=" + cache);
  return run_spindle(args, env);
}

TEST(Cache, FirstRunCompilesLaterRunsReuse) {
  std::string cache = temp_dir("cache-reuse");
  Result r = run_with_cache(cache, {"run", guest("hello")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto first = artifacts(cache);
  ASSERT_EQ(first.size(), 1u);
  struct stat before {};
  stat(first[0].c_str(), &before);
  r = run_with_cache(cache, {"run", guest("hello")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
  auto second = artifacts(cache);
  ASSERT_EQ(second.size(), 1u);
  struct stat after {};
  stat(second[0].c_str(), &after);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the artifact was rewritten, not reused";
  // No temporary files left behind.
  for (const auto& e : fs::recursive_directory_iterator(cache + "/spindle"))
    EXPECT_EQ(e.path().filename().string().rfind("tmp-", 0), std::string::npos) << e.path();
}

TEST(Cache, DisableCacheWritesNothing) {
  std::string cache = temp_dir("cache-disabled");
  Result r = run_with_cache(cache, {"run", "--disable-cache", guest("hello")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
  EXPECT_TRUE(artifacts(cache).empty());
}

TEST(Cache, ConcurrentCompilesOfOneModuleAllSucceed) {
  std::string cache = temp_dir("cache-race");
  std::vector<Result> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      results[i] = run_with_cache(cache, {"run", guest("wasi_sandbox"), "/", "/"});
    });
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    // The guest fails its checks without preopens, but it ran: exit 1, not 126.
    EXPECT_NE(r.status, 126) << r.err;
    EXPECT_EQ(r.err.find("cannot"), std::string::npos) << r.err;
  }
  EXPECT_EQ(artifacts(cache).size(), 1u);
}

TEST(Cache, CompilerIsPartOfTheKeyAndOverridable) {
  std::string cache = temp_dir("cache-cc");
  ASSERT_EQ(run_with_cache(cache, {"run", guest("hello")}).status, 0);
  Result r = run_with_cache(cache, {"run", guest("hello")}, {"SPINDLE_CC=cc"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
  EXPECT_EQ(artifacts(cache).size(), 2u);
  r = run_with_cache(temp_dir("cache-nocc"), {"run", guest("hello")},
                     {"SPINDLE_CC=/nonexistent/cc"});
  EXPECT_EQ(r.status, 126);
  EXPECT_NE(r.err.find("/nonexistent/cc"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--backend interp"), std::string::npos) << r.err;
}

// A spindle that is killed while it compiles leaves no compiler behind: the
// compiler (here a script standing in for it, which would sleep for a
// minute) dies with it.
TEST(Cache, KillingSpindleKillsItsCompiler) {
  std::string dir = temp_dir("cache-orphan");
  std::string cc = dir + "/fake-cc", pidfile = dir + "/cc.pid";
  {
    std::ofstream s(cc);
    s << "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake clang version 19'; exit 0; fi\n"
      << "echo $$ > " << pidfile << ".tmp && mv " << pidfile << ".tmp " << pidfile
      << "\nexec sleep 60\n";
  }
  fs::permissions(cc, fs::perms::owner_all);
  pid_t spindle = fork();
  ASSERT_GE(spindle, 0);
  if (spindle == 0) {
    setenv("SPINDLE_CC", cc.c_str(), 1);
    setenv("XDG_CACHE_HOME", (dir + "/cache").c_str(), 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(SPINDLE_BIN, SPINDLE_BIN, "run", guest("hello").c_str(), nullptr);
    _exit(127);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(pidfile) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(pidfile)) << "the compiler never started";
  pid_t compiler = std::stoi(slurp(pidfile));
  kill(spindle, SIGKILL);
  waitpid(spindle, nullptr, 0);
  // Gone (or a zombie waiting for init) within a few seconds.
  auto gone = [&] {
    std::string stat = slurp("/proc/" + std::to_string(compiler) + "/stat");
    size_t paren = stat.rfind(')');
    return stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
  };
  until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!gone() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bool dead = gone();
  if (!dead) kill(compiler, SIGKILL);
  EXPECT_TRUE(dead) << "the compiler outlived spindle";
}

}  // namespace

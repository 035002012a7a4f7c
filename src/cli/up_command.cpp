#include "cli/up_command.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/app_host.h"
#include "cli/build_command.h"
#include "cli/multi_host.h"
#include "registry/reference.h"
#include "registry/registry.h"

namespace spindle::cli {

uint64_t default_memory_budget() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  uint64_t half = pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) / 2 : 0;
  uint64_t cap = uint64_t{4} << 30;
  return half == 0 || half > cap ? cap : half;
}

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int wait_for_signal(const sigset_t& signals, std::chrono::milliseconds wait) {
  timespec ts{static_cast<time_t>(wait.count() / 1000),
              static_cast<long>(wait.count() % 1000) * 1000000};
  return sigtimedwait(&signals, nullptr, &ts);
}

std::string listen_address(const UpOptions& o) {
  if (!o.listen.empty()) return o.listen;
  const char* env = std::getenv("SPIN_HTTP_LISTEN_ADDR");
  return env && *env ? env : "127.0.0.1:3000";
}

std::chrono::nanoseconds drain_time(const UpOptions& o) {
  return o.timeout.count() > 0 ? o.timeout : std::chrono::nanoseconds(std::chrono::seconds(30));
}

// Its state folder defaults to .spin in the current folder.
bool resolve_registry_app(UpOptions& o) {
  std::error_code ec;
  if (std::filesystem::exists(o.from, ec) || !registry::looks_like_reference(o.from)) return true;
  registry::Options ro;
  ro.insecure = o.insecure;
  ro.cache_dir = o.cache_dir;
  std::filesystem::path manifest;
  std::string error;
  if (!registry::pull_app(o.from, ro, manifest, error)) {
    std::fprintf(stderr, "spindle up: cannot pull %s: %s\n", o.from.c_str(), error.c_str());
    return false;
  }
  std::printf("Pulled %s\n", o.from.c_str());
  o.from = manifest.string();
  o.build = false;  // a registry app is built already
  if (o.state_dir.empty()) o.state_dir = ".spin";
  return true;
}

int up_command(const UpOptions& given) {
  if (!given.app_flags.empty() || !given.apps_file.empty()) return serve_many(given);
  UpOptions o = given;
  if (!resolve_registry_app(o)) return 1;
  if (o.build && !build_app(o.from, {})) return 1;
  // SIGINT/SIGTERM end the server; block them before any thread starts so
  // only sigwait() below sees them.
  sigset_t stop_signals = block_stop_signals();
  AppHost host(o);
  std::string error;
  if (!host.load(error) || !host.start(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  host.print_routes();
  int sig = 0;
  sigwait(&stop_signals, &sig);
  // Graceful: in-flight requests finish (within their own limit); a second
  // signal stops at once.
  host.log().notice("Shutting down (signal " + std::to_string(sig) +
                    "): finishing the requests in flight");
  host.drain(o.shutdown_delay, drain_time(o), [&](std::chrono::milliseconds wait) {
    return wait_for_signal(stop_signals, wait) > 0;
  });
  host.log().notice("Stopped");
  return 0;
}

}  // namespace spindle::cli

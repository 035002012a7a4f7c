#include "cli/up_command.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/app_host.h"
#include "cli/build_command.h"

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

int up_command(const UpOptions& o) {
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
  auto finish =
      o.timeout.count() > 0 ? o.timeout : std::chrono::nanoseconds(std::chrono::seconds(30));
  host.log().notice("Shutting down (signal " + std::to_string(sig) +
                    "): finishing the requests in flight");
  host.drain(o.shutdown_delay, finish, [&](std::chrono::milliseconds wait) {
    timespec ts{static_cast<time_t>(wait.count() / 1000),
                static_cast<long>(wait.count() % 1000) * 1000000};
    return sigtimedwait(&stop_signals, nullptr, &ts) > 0;
  });
  host.log().notice("Stopped");
  return 0;
}

}  // namespace spindle::cli

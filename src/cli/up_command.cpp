#include "cli/up_command.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

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
  std::printf("Shutting down (signal %d)\n", sig);
  host.stop();
  return 0;
}

}  // namespace spindle::cli

// P2's baseline: the same hello answered by native C++ code on spindle's own
// HTTP stack (trigger/http Server, Boost.Beast), so the ratio isolates what
// the WebAssembly instance per request costs.
//   bench_native_hello <listen address>     e.g. 127.0.0.1:0
#include <signal.h>

#include <cstdio>
#include <string>

#include "trigger/http/server.h"

int main(int argc, char** argv) {
  using namespace spindle::trigger::http;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ServerOptions so;
  so.listen = argc > 1 ? argv[1] : "127.0.0.1:0";
  Server server;
  std::string error;
  bool ok = server.start(
      so,
      [](Incoming&&, Respond respond) {
        Outgoing out;
        out.headers.emplace_back("content-type", "text/plain");
        out.body = "hello\n";
        respond(std::move(out));
      },
      error);
  if (!ok) {
    std::fprintf(stderr, "bench_native_hello: %s\n", error.c_str());
    return 1;
  }
  std::printf("Serving http://%s\n", server.address().c_str());
  std::fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  server.stop();
  return 0;
}

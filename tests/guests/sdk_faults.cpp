// Handlers that fail in every way a C++ component can; each must make the
// host answer 500 and leave the server serving (tests/integration/sdk_test.cpp).
// Built with -fsanitize=null -fsanitize-trap=null so /null traps.
#include <unistd.h>

#include <cstdlib>
#include <spindle/http.hpp>
#include <string>
#include <vector>

namespace {

using spindle::Request;
using spindle::Response;

volatile int sink;
char* volatile keep;  // allocations escape here, so they are not optimized out

// A pointer the compiler cannot see is null.
int* opaque_null(const Request& req) {
  static int x = 1;
  return req.uri().size() > 100000 ? &x : nullptr;
}

int recurse(int n) {
  volatile char frame[512];
  frame[n % 512] = static_cast<char>(n);
  if (n < 0) return frame[0];  // never: n only grows
  return recurse(n + 1) + frame[0];
}

Response handle(const Request& req) {
  std::string_view path = spindle::Router::route_path(req);  // after /faults
  if (path == "/nap") {  // slow, not failing: 1.5 s, then 200 (graceful stop tests)
    usleep(1500 * 1000);
    return Response::text("rested\n");
  }
  if (path == "/abort") std::abort();
  if (path == "/trap") __builtin_trap();
  if (path == "/null") return Response::text(std::to_string(*opaque_null(req)));
  if (path == "/div0") {
    volatile int zero = 0;
    sink = static_cast<int>(path.size()) / zero;
  }
  if (path == "/at") {  // libc++ "throws" out_of_range: under -fno-exceptions, a trap
    std::vector<int> v(2);
    sink = v.at(req.path().size());
  }
  if (path == "/huge") {  // more than wasm32 can address: operator new fails
    keep = new char[0xFFFFFFF0u];
  }
  if (path == "/grow") {  // 64 MiB, written (beyond a small --max-memory)
    keep = new char[64u << 20];
    for (size_t i = 0; i < (64u << 20); i += 4096) keep[i] = 'x';
  }
  if (path == "/stack") sink = recurse(0);
  return Response::text("ok\n");
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

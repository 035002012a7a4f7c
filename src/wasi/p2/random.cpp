// wasi:random random, insecure, insecure-seed: all from getrandom(2).
#include <errno.h>
#include <sys/random.h>

#include <string>

#include "wasi/p2/define.h"
#include "wasi/p2/interfaces.h"

namespace spindle::wasi::p2 {

namespace {

// A guest cannot make the host allocate more than this for one call.
constexpr uint64_t kMaxBytes = uint64_t{64} << 20;

void fill(void* p, size_t n) {
  auto* b = static_cast<uint8_t*>(p);
  size_t done = 0;
  while (done < n) {
    ssize_t k = getrandom(b + done, n - done, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      // getrandom cannot fail with valid arguments on Linux >= 3.17; never
      // hand out predictable bytes silently.
      std::abort();
    }
    done += static_cast<size_t>(k);
  }
}

Outcome bytes(Params p, Results& r, std::string_view what) {
  uint64_t len = p[0].as_u64();
  if (len > kMaxBytes)
    return Outcome::trapped(
        engine::TrapKind::HostError,
        std::string(what) + ": " + std::to_string(len) + " bytes requested, at most 64 MiB");
  std::string b(static_cast<size_t>(len), '\0');
  fill(b.data(), b.size());
  r.push_back(Val::bytes(b));
  return Outcome::success();
}

Outcome u64(Results& r) {
  uint64_t v = 0;
  fill(&v, sizeof v);
  r.push_back(Val::u64(v));
  return Outcome::success();
}

}  // namespace

void link_random(component::HostImports& host) {
  define(host, "wasi:random/random", "get-random-bytes",
         [](InstanceData*, Params p, Results& r) { return bytes(p, r, "get-random-bytes"); });
  define(host, "wasi:random/random", "get-random-u64",
         [](InstanceData*, Params, Results& r) { return u64(r); });
  define(
      host, "wasi:random/insecure", "get-insecure-random-bytes",
      [](InstanceData*, Params p, Results& r) { return bytes(p, r, "get-insecure-random-bytes"); });
  define(host, "wasi:random/insecure", "get-insecure-random-u64",
         [](InstanceData*, Params, Results& r) { return u64(r); });
  define(host, "wasi:random/insecure-seed", "insecure-seed", [](InstanceData*, Params, Results& r) {
    uint64_t v[2];
    fill(v, sizeof v);
    r.push_back(Val::tuple({Val::u64(v[0]), Val::u64(v[1])}));
    return Outcome::success();
  });
}

}  // namespace spindle::wasi::p2

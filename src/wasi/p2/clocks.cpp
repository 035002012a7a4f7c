// wasi:clocks wall-clock, monotonic-clock (timers are io.h pollables), and
// timezone (UTC).
#include <time.h>

#include "wasi/p2/define.h"
#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"

namespace spindle::wasi::p2 {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kWall = "wasi:clocks/wall-clock";
constexpr std::string_view kMono = "wasi:clocks/monotonic-clock";
constexpr std::string_view kZone = "wasi:clocks/timezone";

Val datetime(const struct timespec& ts) {
  return Val::record(
      {Val::u64(static_cast<uint64_t>(ts.tv_sec)), Val::u32(static_cast<uint32_t>(ts.tv_nsec))});
}

uint64_t ns_of(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The monotonic clock's instants are steady_clock's nanoseconds.
uint64_t mono_now() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

Clock::time_point at_instant(uint64_t ns) {
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  return Clock::time_point(std::chrono::nanoseconds(static_cast<int64_t>(std::min(ns, kMax))));
}

Outcome timer(Context& cx, uint64_t instant, Results& r) {
  uint32_t rep = make_timer_pollable(cx, at_instant(instant));
  if (rep == 0)
    return Outcome::trapped(engine::TrapKind::HostError,
                            "monotonic-clock: too many live WASI resources");
  r.push_back(Val::own(rep));
  return Outcome::success();
}

}  // namespace

void link_clocks(component::HostImports& host) {
  define(host, kWall, "now", [](InstanceData*, Params, Results& r) {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    r.push_back(datetime(ts));
    return Outcome::success();
  });
  define(host, kWall, "resolution", [](InstanceData*, Params, Results& r) {
    struct timespec ts {};
    clock_getres(CLOCK_REALTIME, &ts);
    r.push_back(datetime(ts));
    return Outcome::success();
  });
  define(host, kMono, "now", [](InstanceData*, Params, Results& r) {
    r.push_back(Val::u64(mono_now()));
    return Outcome::success();
  });
  define(host, kMono, "resolution", [](InstanceData*, Params, Results& r) {
    struct timespec ts {};
    clock_getres(CLOCK_MONOTONIC, &ts);
    r.push_back(Val::u64(ns_of(ts)));
    return Outcome::success();
  });
  define_cx(host, kMono, "subscribe-instant", [](Context& cx, InstanceData*, Params p, Results& r) {
    return timer(cx, p[0].as_u64(), r);
  });
  define_cx(host, kMono, "subscribe-duration",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              uint64_t now = mono_now(), d = p[0].as_u64();
              return timer(cx, d > UINT64_MAX - now ? UINT64_MAX : now + d, r);
            });
  // timezone: the host reports UTC.
  define(host, kZone, "display", [](InstanceData*, Params, Results& r) {
    r.push_back(Val::record({Val::s32(0), Val::string("UTC"), Val::boolean(false)}));
    return Outcome::success();
  });
  define(host, kZone, "utc-offset", [](InstanceData*, Params, Results& r) {
    r.push_back(Val::s32(0));
    return Outcome::success();
  });
}

}  // namespace spindle::wasi::p2

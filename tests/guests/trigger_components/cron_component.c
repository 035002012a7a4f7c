// A cron component written in C against the Canonical ABI by hand (no
// bindings generator): the world `fermyon:spin-cron/spin-cron@2.0.0` of
// Fermyon's spin-trigger-cron plugin (wit/cron/world.wit).
//
//   handle-cron-event: func(metadata: metadata) -> result<_, error>
//
// The record flattens to its one u64 (an i64 parameter); the result, with
// `error = variant { other(string) }`, flattens to 4 values, so it comes back
// through a return area: +0 u8 ok/err, +4 u8 the variant's case, +8 the
// string's pointer, +12 its length.
//
// Each run prints "run <timestamp> start <wall ms>" to stdout, sleeps
// $CRON_SLEEP_MS (blocking on a wasi:clocks/monotonic-clock pollable),
// prints "run <timestamp> end <wall ms>", then:
//   $CRON_TRAP_EVEN=1  traps when the timestamp is even
//   $CRON_FAIL=1       returns err(other("failed on purpose"))
// and otherwise ok.
#define _POSIX_C_SOURCE 200809L  // clock_gettime
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int32_t handle;

__attribute__((import_module("wasi:clocks/monotonic-clock@0.2.12"),
               import_name("subscribe-duration"))) handle
subscribe_duration(int64_t nanoseconds);
__attribute__((import_module("wasi:io/poll@0.2.12"), import_name("[method]pollable.block"))) void
pollable_block(handle self);
__attribute__((import_module("wasi:io/poll@0.2.12"), import_name("[resource-drop]pollable"))) void
drop_pollable(handle self);

// Host-allocated strings and lists land here (the canonical ABI's realloc).
__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* ptr, size_t old_size,
                                                                size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void*)align;
  void* p = realloc(ptr, new_size);
  if (!p) abort();
  return p;
}

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int env_is(const char* name, const char* value) {
  const char* v = getenv(name);
  return v != NULL && strcmp(v, value) == 0;
}

static _Alignas(4) uint8_t ret_area[16];
static const char kFailure[] = "failed on purpose";

__attribute__((export_name("handle-cron-event"))) int32_t handle_cron_event(int64_t timestamp) {
  unsigned long long ts = (unsigned long long)timestamp;
  printf("run %llu start %lld\n", ts, wall_ms());
  const char* sleep = getenv("CRON_SLEEP_MS");
  if (sleep != NULL && atoi(sleep) > 0) {
    handle p = subscribe_duration((int64_t)atoi(sleep) * 1000000);
    pollable_block(p);
    drop_pollable(p);
  }
  printf("run %llu end %lld\n", ts, wall_ms());
  fflush(stdout);
  memset(ret_area, 0, sizeof ret_area);
  if (env_is("CRON_TRAP_EVEN", "1") && ts % 2 == 0) __builtin_trap();
  if (env_is("CRON_FAIL", "1")) {
    ret_area[0] = 1;  // err
    ret_area[4] = 0;  // other(string)
    uint32_t ptr = (uint32_t)(uintptr_t)kFailure, len = (uint32_t)strlen(kFailure);
    memcpy(ret_area + 8, &ptr, 4);
    memcpy(ret_area + 12, &len, 4);
  }
  return (int32_t)(uintptr_t)ret_area;
}

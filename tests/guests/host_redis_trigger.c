// A Redis-triggered component through the raw Spin 1 ABI (no SDK):
// handle-redis-message prints "got: <payload>" to stdout, then by payload:
//   fail       returns err(error)
//   trap       traps
//   go-style   returns err(success), which Spin counts as success
//   loop       loops forever (until the deadline traps it)
//   store:<v>  SETs key "last" to <v> on $REDIS_ADDRESS with outbound-redis
// It also answers HTTP requests ("http ok") so one module serves both triggers.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

__attribute__((import_module("outbound-redis"),
               import_name("set"))) void r_set(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                                               int32_t);

static uint8_t redis_ret[2];
static uint8_t set_ret[2];

__attribute__((export_name("handle-redis-message"))) int32_t handle_redis(int32_t ptr,
                                                                          int32_t len) {
  const char* p = (const char*)(intptr_t)ptr;
  printf("got: %.*s\n", (int)len, p);
  fflush(stdout);
  redis_ret[0] = 0;
  redis_ret[1] = 0;
  if (len == 4 && !memcmp(p, "fail", 4)) redis_ret[0] = 1, redis_ret[1] = 1;
  if (len == 4 && !memcmp(p, "trap", 4)) __builtin_trap();
  if (len == 8 && !memcmp(p, "go-style", 8)) redis_ret[0] = 1, redis_ret[1] = 0;
  if (len == 4 && !memcmp(p, "loop", 4))
    for (volatile int spin = 0;; spin = spin + 1) {
    }
  if (len > 6 && !memcmp(p, "store:", 6)) {
    const char* addr = getenv("REDIS_ADDRESS");
    r_set(I(addr), (int32_t)strlen(addr), I("last"), 4, I(p + 6), len - 6, I(set_ret));
    if (set_ret[0]) redis_ret[0] = 1, redis_ret[1] = 1;
  }
  free((void*)p);
  return I(redis_ret);
}

__attribute__((export_name("handle-http-request"))) int32_t handle_http(
    int32_t method, int32_t uri_ptr, int32_t uri_len, int32_t h_ptr, int32_t h_len, int32_t p_ptr,
    int32_t p_len, int32_t b_some, int32_t b_ptr, int32_t b_len) {
  (void)method, (void)uri_ptr, (void)uri_len, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len,
      (void)b_some, (void)b_ptr, (void)b_len;
  return spin_respond("http ok", 7);
}

// A Redis-triggered component through the raw Spin 1 ABI (no SDK):
// handle-redis-message prints "got: <payload>" to stdout, then by payload:
//   fail       returns err(error)
//   trap       traps
//   go-style   returns err(success), which Spin counts as success
//   store:<v>  SETs key "last" to <v> on $REDIS_ADDRESS with outbound-redis
// It also answers HTTP requests ("http ok") so one module serves both triggers.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("outbound-redis"),
               import_name("set"))) void r_set(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                                               int32_t);

__attribute__((export_name("canonical_abi_realloc"))) void* canonical_abi_realloc(void* ptr,
                                                                                  size_t orig,
                                                                                  size_t align,
                                                                                  size_t size) {
  (void)orig;
  (void)align;
  return realloc(ptr, size ? size : 1);
}

__attribute__((export_name("canonical_abi_free"))) void canonical_abi_free(void* ptr, size_t size,
                                                                           size_t align) {
  (void)size;
  (void)align;
  free(ptr);
}

static uint8_t redis_ret[2];
static _Alignas(4) uint8_t http_ret[28];
static uint8_t set_ret[2];

#define I(p) ((int32_t)(intptr_t)(p))

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
  char* body = malloc(8);
  memcpy(body, "http ok", 7);
  memset(http_ret, 0, sizeof http_ret);
  *(uint16_t*)http_ret = 200;
  http_ret[16] = 1;
  *(int32_t*)(http_ret + 20) = I(body);
  *(int32_t*)(http_ret + 24) = 7;
  return I(http_ret);
}

// Built as a command like the other C guests; the executors never run _start.
int main(void) { return 0; }

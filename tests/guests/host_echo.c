// The test-echo capability (src/host/test_echo) through its raw import:
// answers echo(<request body>), or "error" is a trap the host reports.
#include <stdint.h>
#include <stdlib.h>

#include "spin_guest.h"

__attribute__((import_module("test-echo"), import_name("echo"))) void echo(int32_t ptr, int32_t len,
                                                                           int32_t ret);

static _Alignas(4) uint8_t echo_area[8];

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)uri_ptr, (void)uri_len, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len;
  if (!b_some) b_len = 0;
  echo(b_ptr, b_len, (int32_t)(intptr_t)echo_area);
  const char* out = (const char*)(intptr_t) * (int32_t*)(echo_area + 0);
  int32_t n = *(int32_t*)(echo_area + 4);
  return spin_respond(out, n);
}

// Spin 1.x `spin-config` through the raw ABI (no SDK): answers
// "<key>=<value>" for ?key, or "error <tag>: <message>".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

__attribute__((import_module("spin-config"), import_name("get-config"))) void get_config(
    int32_t key_ptr, int32_t key_len, int32_t ret);

static _Alignas(4) uint8_t cfg_area[16];

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len, (void)b_some, (void)b_ptr,
      (void)b_len;
  const char* uri = (const char*)(intptr_t)uri_ptr;
  const char* q = memchr(uri, '?', (size_t)uri_len);
  const char* key = q ? q + 1 : "";
  size_t key_len = q ? (size_t)(uri + uri_len - key) : 0;
  get_config((int32_t)(intptr_t)key, (int32_t)key_len, (int32_t)(intptr_t)cfg_area);
  char* body = malloc(4096);
  int n;
  if (cfg_area[0] == 0) {
    const char* v = (const char*)(intptr_t) * (int32_t*)(cfg_area + 4);
    int vlen = *(int32_t*)(cfg_area + 8);
    n = snprintf(body, 4096, "%.*s=%.*s", (int)key_len, key, vlen, v);
  } else {
    const char* m = (const char*)(intptr_t) * (int32_t*)(cfg_area + 8);
    int mlen = *(int32_t*)(cfg_area + 12);
    n = snprintf(body, 4096, "error %d: %.*s", cfg_area[4], mlen, m);
  }
  int32_t ret = spin_respond(body, n);
  free(body);
  return ret;
}

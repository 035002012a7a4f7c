// Spin 1.x `wasi-outbound-http` through the raw ABI (no SDK). The request
// body is the URL to fetch; the path picks the method (/get, /post with body
// "payload", /head). Answers "status <n>\n<header>: <value>\n...\n\n<body>"
// or "error <tag>".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

__attribute__((import_module("wasi-outbound-http"),
               import_name("request"))) void http_request(int32_t, int32_t, int32_t, int32_t,
                                                          int32_t, int32_t, int32_t, int32_t,
                                                          int32_t, int32_t, int32_t);

static _Alignas(4) uint8_t r[32];

#define U32(off) (*(uint32_t*)(r + (off)))

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len, (void)b_some;
  const char* uri = (const char*)(intptr_t)uri_ptr;
  int m = 0;
  const char* payload = "payload";
  int with_body = 0;
  if (uri_len >= 5 && memcmp(uri, "/post", 5) == 0) m = 1, with_body = 1;
  if (uri_len >= 5 && memcmp(uri, "/head", 5) == 0) m = 5;
  static _Alignas(4) uint32_t hdr[4];
  static const char name[] = "x-from", value[] = "guest";
  hdr[0] = (uint32_t)I(name), hdr[1] = 6, hdr[2] = (uint32_t)I(value), hdr[3] = 5;
  http_request(m, b_ptr, b_len, I(hdr), 1, 0, 0, with_body, with_body ? I(payload) : 0,
               with_body ? 7 : 0, I(r));
  char* out;
  int n;
  if (r[0] != 0) {
    out = malloc(32);
    n = snprintf(out, 32, "error %d", r[4]);
  } else {
    uint32_t nh = U32(16), blen = r[20] ? U32(28) : 0;
    size_t cap = 64 + blen;
    uint32_t* h = (uint32_t*)(intptr_t)U32(12);
    for (uint32_t i = 0; i < nh; ++i) cap += h[4 * i + 1] + h[4 * i + 3] + 4;
    out = malloc(cap);
    n = snprintf(out, cap, "status %u\n", *(uint16_t*)(r + 4));
    for (uint32_t i = 0; i < nh; ++i)
      n += snprintf(out + n, cap - (size_t)n, "%.*s: %.*s\n", (int)h[4 * i + 1],
                    (const char*)(intptr_t)h[4 * i], (int)h[4 * i + 3],
                    (const char*)(intptr_t)h[4 * i + 2]);
    out[n++] = '\n';
    if (blen) memcpy(out + n, (const void*)(intptr_t)U32(24), blen);
    n += (int)blen;
  }
  int32_t ret = spin_respond(out, n);
  free(out);
  return ret;
}

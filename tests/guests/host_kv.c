// Spin 1.x `key-value` through the raw ABI (no SDK). The path picks the call:
//   /open/<store>            "handle <n>"
//   /get/<store>/<key>       the value
//   /set/<store>/<key>       stores the request body; "ok"
//   /delete/<store>/<key>    "ok"
//   /exists/<store>/<key>    "true" / "false"
//   /keys/<store>            the keys, one per line
//   /closed/<store>/<key>    open, close, then get with the closed handle
// An error answers "error <tag>" (and ": <message>" for io).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

#define KV(name) __attribute__((import_module("key-value"), import_name(name)))
KV("open") void kv_open(int32_t, int32_t, int32_t);
KV("get") void kv_get(int32_t, int32_t, int32_t, int32_t);
KV("set") void kv_set(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
KV("delete") void kv_delete(int32_t, int32_t, int32_t, int32_t);
KV("exists") void kv_exists(int32_t, int32_t, int32_t, int32_t);
KV("get-keys") void kv_get_keys(int32_t, int32_t);
KV("close") void kv_close(int32_t);

static _Alignas(4) uint8_t r[16];
static char out[1 << 16];
static int out_len;

#define U32(off) (*(uint32_t*)(r + (off)))

static void say(const char* s, int n) {
  if (n < 0) n = (int)strlen(s);
  if (out_len + n > (int)sizeof out) n = (int)sizeof out - out_len;
  memcpy(out + out_len, s, (size_t)n);
  out_len += n;
}

// 1 when the call failed (and the error was written out).
static int failed(void) {
  if (r[0] == 0) return 0;
  char buf[64];
  snprintf(buf, sizeof buf, "error %d", r[4]);
  say(buf, -1);
  if (r[4] == 5) {
    say(": ", 2);
    say((const char*)(intptr_t)U32(8), (int)U32(12));
  }
  return 1;
}

static int open_store(const char* s, int n, uint32_t* h) {
  kv_open(I(s), n, I(r));
  if (failed()) return 0;
  *h = U32(4);
  return 1;
}

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len, (void)b_some;
  // Split "/op/store/key" (no query).
  const char* uri = (const char*)(intptr_t)uri_ptr;
  const char* parts[3] = {0};
  int lens[3] = {0};
  int np = 0;
  for (int i = 0; i < uri_len && np < 3;) {
    if (uri[i] == '/') {
      ++i;
      continue;
    }
    int j = i;
    while (j < uri_len && (np == 2 || uri[j] != '/')) ++j;
    parts[np] = uri + i;
    lens[np++] = j - i;
    i = j;
  }
  out_len = 0;
  uint32_t h = 0;
  const char* op = parts[0] ? parts[0] : "";
  int opn = lens[0];
#define IS(x) (opn == (int)strlen(x) && memcmp(op, x, (size_t)opn) == 0)
  if (np >= 2 && open_store(parts[1], lens[1], &h)) {
    if (IS("open")) {
      char buf[32];
      say(buf, snprintf(buf, sizeof buf, "handle %u", h));
    } else if (IS("get")) {
      kv_get((int32_t)h, I(parts[2]), lens[2], I(r));
      if (!failed()) say((const char*)(intptr_t)U32(4), (int)U32(8));
    } else if (IS("set")) {
      kv_set((int32_t)h, I(parts[2]), lens[2], b_ptr, b_len, I(r));
      if (!failed()) say("ok", 2);
    } else if (IS("delete")) {
      kv_delete((int32_t)h, I(parts[2]), lens[2], I(r));
      if (!failed()) say("ok", 2);
    } else if (IS("exists")) {
      kv_exists((int32_t)h, I(parts[2]), lens[2], I(r));
      if (!failed()) say(r[4] ? "true" : "false", -1);
    } else if (IS("keys")) {
      kv_get_keys((int32_t)h, I(r));
      if (!failed()) {
        uint32_t* list = (uint32_t*)(intptr_t)U32(4);
        for (uint32_t i = 0; i < U32(8); ++i) {
          say((const char*)(intptr_t)list[2 * i], (int)list[2 * i + 1]);
          say("\n", 1);
        }
      }
    } else if (IS("closed")) {
      kv_close((int32_t)h);
      kv_get((int32_t)h, I(parts[2]), lens[2], I(r));
      if (!failed()) say("still open", -1);
    }
    kv_close((int32_t)h);
  }
  return spin_respond(out, out_len);
}

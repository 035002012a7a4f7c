// Spin 1.x `sqlite` through the raw ABI (no SDK).
//   POST /<db>?<params>   body: one SQL statement
// Parameters (query, '&'-separated): i:<int>, r:<real>, t:<text>, b:<bytes as blob>, n (null).
// Answers "columns: a,b" then one line per row, values as i:1 r:2.5 t:x b:<len> n,
// separated by '|'; or "error <tag>" (": <message>" for io). /<db>/closed opens,
// closes and then executes with the closed handle.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

__attribute__((import_module("sqlite"), import_name("open"))) void db_open(int32_t, int32_t,
                                                                           int32_t);
__attribute__((import_module("sqlite"), import_name("execute"))) void db_execute(int32_t, int32_t,
                                                                                 int32_t, int32_t,
                                                                                 int32_t, int32_t);
__attribute__((import_module("sqlite"), import_name("close"))) void db_close(int32_t);

typedef struct {
  uint8_t tag;
  uint8_t pad[7];
  union {
    int64_t i;
    double r;
    struct {
      uint32_t ptr, len;
    } s;
  } v;
} value_t;  // 16 bytes, align 8

static _Alignas(8) uint8_t r[24];
static char out[1 << 16];
static int out_len;
static value_t params[32];

#define U32(off) (*(uint32_t*)(r + (off)))

static void say(const char* s, int n) {
  if (n < 0) n = (int)strlen(s);
  if (out_len + n > (int)sizeof out) n = (int)sizeof out - out_len;
  memcpy(out + out_len, s, (size_t)n);
  out_len += n;
}

static int failed(void) {
  if (r[0] == 0) return 0;
  char buf[32];
  snprintf(buf, sizeof buf, "error %d", r[4]);
  say(buf, -1);
  if (r[4] == 4) {
    say(": ", 2);
    say((const char*)(intptr_t)U32(8), (int)U32(12));
  }
  return 1;
}

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len, (void)b_some;
  char uri[4096];
  int n = uri_len < 4095 ? uri_len : 4095;
  memcpy(uri, (const char*)(intptr_t)uri_ptr, (size_t)n);
  uri[n] = 0;
  char* query = strchr(uri, '?');
  if (query) *query++ = 0;
  char* db = uri + 1;
  int closed = 0;
  char* slash = strchr(db, '/');
  if (slash) {
    *slash = 0;
    closed = strcmp(slash + 1, "closed") == 0;
  }
  int np = 0;
  for (char* tok = query ? strtok(query, "&") : NULL; tok && np < 32; tok = strtok(NULL, "&")) {
    value_t* v = &params[np++];
    memset(v, 0, sizeof *v);
    switch (tok[0]) {
      case 'i':
        v->tag = 0;
        v->v.i = strtoll(tok + 2, NULL, 10);
        break;
      case 'r':
        v->tag = 1;
        v->v.r = strtod(tok + 2, NULL);
        break;
      case 't':
      case 'b':
        v->tag = tok[0] == 't' ? 2 : 3;
        v->v.s.ptr = (uint32_t)I(tok + 2);
        v->v.s.len = (uint32_t)strlen(tok + 2);
        break;
      default:
        v->tag = 4;
    }
  }
  out_len = 0;
  db_open(I(db), (int32_t)strlen(db), I(r));
  if (!failed()) {
    uint32_t conn = U32(4);
    if (closed) db_close((int32_t)conn);
    db_execute((int32_t)conn, b_ptr, b_len, I(params), np, I(r));
    if (!failed()) {
      uint32_t* cols = (uint32_t*)(intptr_t)U32(4);
      uint32_t ncols = U32(8);
      uint32_t* rows = (uint32_t*)(intptr_t)U32(12);
      uint32_t nrows = U32(16);
      say("columns: ", -1);
      for (uint32_t c = 0; c < ncols; ++c) {
        if (c) say(",", 1);
        say((const char*)(intptr_t)cols[2 * c], (int)cols[2 * c + 1]);
      }
      say("\n", 1);
      for (uint32_t i = 0; i < nrows; ++i) {
        value_t* vals = (value_t*)(intptr_t)rows[2 * i];
        for (uint32_t j = 0; j < rows[2 * i + 1]; ++j) {
          char buf[64];
          if (j) say("|", 1);
          switch (vals[j].tag) {
            case 0:
              say(buf, snprintf(buf, sizeof buf, "i:%lld", (long long)vals[j].v.i));
              break;
            case 1:
              say(buf, snprintf(buf, sizeof buf, "r:%g", vals[j].v.r));
              break;
            case 2:
              say("t:", 2);
              say((const char*)(intptr_t)vals[j].v.s.ptr, (int)vals[j].v.s.len);
              break;
            case 3:
              say(buf, snprintf(buf, sizeof buf, "b:%u", vals[j].v.s.len));
              break;
            default:
              say("n", 1);
          }
        }
        say("\n", 1);
      }
    }
    if (!closed) db_close((int32_t)conn);
  }
  return spin_respond(out, out_len);
}

// Spin 1.x `outbound-pg` and `outbound-mysql` through the raw ABI (no SDK).
//   POST /<pg|mysql>/<query|execute>?<params>   body: one SQL statement
// The address is $PG_ADDRESS or $MYSQL_ADDRESS. Parameters (query string,
// '&'-separated, values percent-decoded): bool:<0|1>, i8: i16: i32: i64:,
// u8: u16: u32: u64:, f32: f64:, str:<text>, bin:<text as bytes>, null.
// Answers "columns: name:type,..." then one line per row, values as
// <case>:<value> separated by '|' (binary as its length); execute answers
// "ok <rows>" (pg) or "ok" (mysql); failures "error <tag>: <message>".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

__attribute__((import_module("outbound-pg"),
               import_name("query"))) void pg_query(int32_t, int32_t, int32_t, int32_t, int32_t,
                                                    int32_t, int32_t);
__attribute__((import_module("outbound-pg"),
               import_name("execute"))) void pg_execute(int32_t, int32_t, int32_t, int32_t, int32_t,
                                                        int32_t, int32_t);
__attribute__((import_module("outbound-mysql"),
               import_name("query"))) void mysql_query(int32_t, int32_t, int32_t, int32_t, int32_t,
                                                       int32_t, int32_t);
__attribute__((import_module("outbound-mysql"),
               import_name("execute"))) void mysql_execute(int32_t, int32_t, int32_t, int32_t,
                                                           int32_t, int32_t, int32_t);

typedef struct {
  uint8_t tag;
  uint8_t pad[7];
  union {
    uint8_t b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f32;
    double f64;
    struct {
      uint32_t ptr, len;
    } s;
  } v;
} value_t;  // parameter-value / db-value: 16 bytes, align 8

static const char* kCases[] = {"bool", "i8",  "i16", "i32", "i64", "u8",   "u16",        "u32",
                               "u64",  "f32", "f64", "str", "bin", "null", "unsupported"};
static const char* kTypes[] = {"boolean",    "int8",   "int16",  "int32",  "int64",
                               "uint8",      "uint16", "uint32", "uint64", "floating32",
                               "floating64", "str",    "binary", "other"};

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

// The error variant at r + at: tag, message.
static void say_error(int at) {
  char buf[32];
  snprintf(buf, sizeof buf, "error %d: ", r[at]);
  say(buf, -1);
  say((const char*)(intptr_t)U32(at + 4), (int)U32(at + 8));
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void decode(char* s) {
  char* o = s;
  for (char* p = s; *p; ++p) {
    if (*p == '%' && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
      *o++ = (char)(hex(p[1]) * 16 + hex(p[2]));
      p += 2;
    } else {
      *o++ = *p == '+' ? ' ' : *p;
    }
  }
  *o = 0;
}

static int parse_param(char* tok, value_t* v) {
  memset(v, 0, sizeof *v);
  char* colon = strchr(tok, ':');
  char* val = colon ? colon + 1 : tok + strlen(tok);
  if (colon) *colon = 0;
  decode(val);
  for (int t = 0; t < 14; ++t) {
    if (strcmp(tok, kCases[t]) != 0) continue;
    v->tag = (uint8_t)t;
    switch (t) {
      case 0:
        v->v.b = (uint8_t)atoi(val);
        break;
      case 1:
        v->v.i8 = (int8_t)atoi(val);
        break;
      case 2:
        v->v.i16 = (int16_t)atoi(val);
        break;
      case 3:
        v->v.i32 = (int32_t)strtol(val, NULL, 10);
        break;
      case 4:
        v->v.i64 = strtoll(val, NULL, 10);
        break;
      case 5:
        v->v.u8 = (uint8_t)strtoul(val, NULL, 10);
        break;
      case 6:
        v->v.u16 = (uint16_t)strtoul(val, NULL, 10);
        break;
      case 7:
        v->v.u32 = (uint32_t)strtoul(val, NULL, 10);
        break;
      case 8:
        v->v.u64 = strtoull(val, NULL, 10);
        break;
      case 9:
        v->v.f32 = strtof(val, NULL);
        break;
      case 10:
        v->v.f64 = strtod(val, NULL);
        break;
      case 11:
      case 12:
        v->v.s.ptr = (uint32_t)I(val);
        v->v.s.len = (uint32_t)strlen(val);
        break;
      default:
        break;
    }
    return 1;
  }
  return 0;
}

static void say_value(const value_t* v) {
  char buf[64];
  int t = v->tag < 15 ? v->tag : 14;
  say(kCases[t], -1);
  if (t >= 13) return;
  say(":", 1);
  switch (t) {
    case 0:
      say(buf, snprintf(buf, sizeof buf, "%d", v->v.b));
      break;
    case 1:
      say(buf, snprintf(buf, sizeof buf, "%d", v->v.i8));
      break;
    case 2:
      say(buf, snprintf(buf, sizeof buf, "%d", v->v.i16));
      break;
    case 3:
      say(buf, snprintf(buf, sizeof buf, "%d", (int)v->v.i32));
      break;
    case 4:
      say(buf, snprintf(buf, sizeof buf, "%lld", (long long)v->v.i64));
      break;
    case 5:
      say(buf, snprintf(buf, sizeof buf, "%u", v->v.u8));
      break;
    case 6:
      say(buf, snprintf(buf, sizeof buf, "%u", v->v.u16));
      break;
    case 7:
      say(buf, snprintf(buf, sizeof buf, "%u", (unsigned)v->v.u32));
      break;
    case 8:
      say(buf, snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->v.u64));
      break;
    case 9:
      say(buf, snprintf(buf, sizeof buf, "%g", v->v.f32));
      break;
    case 10:
      say(buf, snprintf(buf, sizeof buf, "%.17g", v->v.f64));
      break;
    case 11:
      say((const char*)(intptr_t)v->v.s.ptr, (int)v->v.s.len);
      break;
    case 12: {
      const uint8_t* p = (const uint8_t*)(intptr_t)v->v.s.ptr;
      for (uint32_t i = 0; i < v->v.s.len; ++i) say(buf, snprintf(buf, sizeof buf, "%02x", p[i]));
      break;
    }
    default:
      break;
  }
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
  int pg = strncmp(uri, "/pg/", 4) == 0;
  const char* op = uri + (pg ? 4 : 7);
  int is_query = strcmp(op, "query") == 0;
  const char* addr = getenv(pg ? "PG_ADDRESS" : "MYSQL_ADDRESS");
  if (!addr) addr = "";
  out_len = 0;
  int np = 0;
  for (char* tok = query ? strtok(query, "&") : NULL; tok && np < 32; tok = strtok(NULL, "&")) {
    if (!parse_param(tok, &params[np++])) {
      say("bad parameter ", -1);
      say(tok, -1);
      return spin_respond(out, out_len);
    }
  }
  memset(r, 0, sizeof r);
  int32_t a = I(addr), al = (int32_t)strlen(addr);
  if (is_query) {
    (pg ? pg_query : mysql_query)(a, al, b_ptr, b_len, I(params), np, I(r));
    if (r[0]) {
      say_error(4);
    } else {
      uint32_t* cols = (uint32_t*)(intptr_t)U32(4);
      uint32_t ncols = U32(8);
      uint32_t* rows = (uint32_t*)(intptr_t)U32(12);
      uint32_t nrows = U32(16);
      say("columns: ", -1);
      for (uint32_t c = 0; c < ncols; ++c) {
        const uint8_t* col = (const uint8_t*)(cols + 3 * c);
        if (c) say(",", 1);
        say((const char*)(intptr_t)cols[3 * c], (int)cols[3 * c + 1]);
        say(":", 1);
        say(kTypes[col[8] < 14 ? col[8] : 13], -1);
      }
      say("\n", 1);
      for (uint32_t i = 0; i < nrows; ++i) {
        value_t* vals = (value_t*)(intptr_t)rows[2 * i];
        for (uint32_t j = 0; j < rows[2 * i + 1]; ++j) {
          if (j) say("|", 1);
          say_value(&vals[j]);
        }
        say("\n", 1);
      }
    }
  } else if (pg) {
    pg_execute(a, al, b_ptr, b_len, I(params), np, I(r));
    if (r[0]) {
      say_error(8);
    } else {
      char buf[32];
      say(buf, snprintf(buf, sizeof buf, "ok %llu", (unsigned long long)*(uint64_t*)(r + 8)));
    }
  } else {
    mysql_execute(a, al, b_ptr, b_len, I(params), np, I(r));
    if (r[0])
      say_error(4);
    else
      say("ok", 2);
  }
  return spin_respond(out, out_len);
}

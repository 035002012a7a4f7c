// Spin 1.x `outbound-redis` through the raw ABI (no SDK), against the
// server in $REDIS_ADDRESS. The path picks the call; the request body is the
// value / payload:
//   /set/<key>  /get/<key>  /incr/<key>  /del/<key>  /publish/<channel>
//   /sadd/<key>/<member>  /srem/<key>/<member>  /smembers/<key>
//   /execute/<command>/<arg>/<arg>...   (args that are all digits go as int64)
// (after any route prefix)
// Answers the result (execute: one "int:N", "status:S" or "bin:B" per line),
// or "error".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spin_guest.h"

#define R(name) __attribute__((import_module("outbound-redis"), import_name(name)))
R("publish") void r_publish(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
R("get") void r_get(int32_t, int32_t, int32_t, int32_t, int32_t);
R("set") void r_set(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
R("incr") void r_incr(int32_t, int32_t, int32_t, int32_t, int32_t);
R("del") void r_del(int32_t, int32_t, int32_t, int32_t, int32_t);
R("sadd") void r_sadd(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
R("smembers") void r_smembers(int32_t, int32_t, int32_t, int32_t, int32_t);
R("srem") void r_srem(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
R("execute") void r_execute(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);

static _Alignas(8) uint8_t r[16];
static char out[1 << 16];
static int out_len;

#define U32(off) (*(uint32_t*)(r + (off)))

static void say(const char* s, int n) {
  if (n < 0) n = (int)strlen(s);
  if (out_len + n > (int)sizeof out) n = (int)sizeof out - out_len;
  memcpy(out + out_len, s, (size_t)n);
  out_len += n;
}

static void say_int(int64_t v) {
  char buf[32];
  say(buf, snprintf(buf, sizeof buf, "%lld", (long long)v));
}

typedef struct {
  uint8_t tag;
  uint8_t pad[7];
  union {
    int64_t i;
    struct {
      uint32_t ptr, len;
    } s;
  } v;
} param_t;

__attribute__((export_name("handle-http-request"))) int32_t handle(int32_t method, int32_t uri_ptr,
                                                                   int32_t uri_len, int32_t h_ptr,
                                                                   int32_t h_len, int32_t p_ptr,
                                                                   int32_t p_len, int32_t b_some,
                                                                   int32_t b_ptr, int32_t b_len) {
  (void)method, (void)h_ptr, (void)h_len, (void)p_ptr, (void)p_len, (void)b_some;
  static char uri[4096];
  int n = uri_len < 4095 ? uri_len : 4095;
  memcpy(uri, (const char*)(intptr_t)uri_ptr, (size_t)n);
  uri[n] = 0;
  char* parts[16];
  int np = 0;
  for (char* t = strtok(uri, "/"); t && np < 16; t = strtok(NULL, "/")) parts[np++] = t;
  // Leading segments that are not an operation (the route's prefix) are skipped.
  static const char* ops[] = {"set",  "get",  "incr",     "del",    "publish",
                              "sadd", "srem", "smembers", "execute"};
  int skip = 0;
  for (; skip < np; ++skip) {
    int known = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i) known |= !strcmp(parts[skip], ops[i]);
    if (known) break;
  }
  np -= skip;
  memmove(parts, parts + skip, (size_t)np * sizeof parts[0]);
  const char* addr = getenv("REDIS_ADDRESS");
  if (!addr) addr = "";
  int32_t al = (int32_t)strlen(addr);
  out_len = 0;
  const char* op = np > 0 ? parts[0] : "";
  const char* key = np > 1 ? parts[1] : "";
  int32_t kl = (int32_t)strlen(key);
  static _Alignas(4) uint32_t list[32];
  if (!strcmp(op, "set")) {
    r_set(I(addr), al, I(key), kl, b_ptr, b_len, I(r));
    say(r[0] ? "error" : "ok", -1);
  } else if (!strcmp(op, "publish")) {
    r_publish(I(addr), al, I(key), kl, b_ptr, b_len, I(r));
    say(r[0] ? "error" : "ok", -1);
  } else if (!strcmp(op, "get")) {
    r_get(I(addr), al, I(key), kl, I(r));
    if (r[0])
      say("error", -1);
    else
      say((const char*)(intptr_t)U32(4), (int)U32(8));
  } else if (!strcmp(op, "incr") || !strcmp(op, "del") || !strcmp(op, "sadd") ||
             !strcmp(op, "srem")) {
    if (!strcmp(op, "incr")) {
      r_incr(I(addr), al, I(key), kl, I(r));
    } else if (!strcmp(op, "del")) {
      list[0] = (uint32_t)I(key), list[1] = (uint32_t)kl;
      r_del(I(addr), al, I(list), 1, I(r));
    } else {
      const char* m = np > 2 ? parts[2] : "";
      list[0] = (uint32_t)I(m), list[1] = (uint32_t)strlen(m);
      if (!strcmp(op, "sadd"))
        r_sadd(I(addr), al, I(key), kl, I(list), 1, I(r));
      else
        r_srem(I(addr), al, I(key), kl, I(list), 1, I(r));
    }
    if (r[0])
      say("error", -1);
    else
      say_int(*(int64_t*)(r + 8));
  } else if (!strcmp(op, "smembers")) {
    r_smembers(I(addr), al, I(key), kl, I(r));
    if (r[0]) {
      say("error", -1);
    } else {
      uint32_t* l = (uint32_t*)(intptr_t)U32(4);
      for (uint32_t i = 0; i < U32(8); ++i) {
        say((const char*)(intptr_t)l[2 * i], (int)l[2 * i + 1]);
        say("\n", 1);
      }
    }
  } else if (!strcmp(op, "execute")) {
    static param_t params[14];
    int nparams = 0;
    for (int i = 2; i < np; ++i, ++nparams) {
      param_t* p = &params[nparams];
      memset(p, 0, sizeof *p);
      if (strspn(parts[i], "0123456789") == strlen(parts[i])) {
        p->tag = 0;
        p->v.i = strtoll(parts[i], NULL, 10);
      } else {
        p->tag = 1;
        p->v.s.ptr = (uint32_t)I(parts[i]);
        p->v.s.len = (uint32_t)strlen(parts[i]);
      }
    }
    r_execute(I(addr), al, I(key), kl, I(params), nparams, I(r));
    if (r[0]) {
      say("error", -1);
    } else {
      uint8_t* res = (uint8_t*)(intptr_t)U32(4);
      for (uint32_t i = 0; i < U32(8); ++i) {
        uint8_t* e = res + 16 * i;
        if (e[0] == 2) {
          say("int:", -1);
          say_int(*(int64_t*)(e + 8));
        } else {
          say(e[0] == 1 ? "status:" : e[0] == 3 ? "bin:" : "nil:", -1);
          say((const char*)(intptr_t) * (uint32_t*)(e + 8), (int)*(uint32_t*)(e + 12));
        }
        say("\n", 1);
      }
    }
  } else {
    say("unknown op", -1);
  }
  return spin_respond(out, out_len);
}

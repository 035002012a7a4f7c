// A wasi:http component in C that drives Spin's database interfaces through
// the Canonical ABI by hand (no bindings generator): fermyon:spin/postgres
// and fermyon:spin/mysql @2.0.0, spin:postgres/postgres@3.0.0 and @4.0.0.
//
//   POST /<api>/<query|execute>?addr=<address>&<params>   body: one statement
//
// api is pg2, mysql2, pg3, pg4 or pg41 (spin:postgres@4.1.0: the connection
// comes from connection-builder, with &ca=<pem> given to set-ca-root). Parameters ('&'-separated,
// percent-decoded): bool:<0|1> i8: i16: i32: i64: u8: u16: u32: u64: f32: f64: str: bin: null (all
// apis), for pg3 and pg4 date:Y-M-D time:H:M:S datetime:Y-M-DTH:M:S ts:<seconds>, for pg4 also
// uuid: json: dec: ai32:<a,b,null> ri32:<lo,hi> and interval:<micros,days,months>. Answers
// "columns: name:type,..." then a line per row (<case>:<value> separated by '|'), or "ok[ <n>]" for
// execute, or "error <case>: <text>" (pg4 query-failed: "error 2: db-error <code> <message>" or
// "text <msg>"). Every connection is opened for the request and dropped after it.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t handle;

#define HTTP(name) __attribute__((import_module("wasi:http/types@0.2.12"), import_name(name)))
#define STREAMS(name) __attribute__((import_module("wasi:io/streams@0.2.12"), import_name(name)))
#define PG2(name) __attribute__((import_module("fermyon:spin/postgres@2.0.0"), import_name(name)))
#define MY2(name) __attribute__((import_module("fermyon:spin/mysql@2.0.0"), import_name(name)))
#define PG3(name) __attribute__((import_module("spin:postgres/postgres@3.0.0"), import_name(name)))
#define PG41(name) __attribute__((import_module("spin:postgres/postgres@4.1.0"), import_name(name)))
#define PG4(name) __attribute__((import_module("spin:postgres/postgres@4.0.0"), import_name(name)))

HTTP("[method]incoming-request.path-with-query") void request_path(handle self, void* ret);
HTTP("[method]incoming-request.consume") void request_consume(handle self, void* ret);
HTTP("[resource-drop]incoming-request") void drop_incoming_request(handle self);
HTTP("[method]incoming-body.stream") void incoming_body_stream(handle self, void* ret);
HTTP("[resource-drop]incoming-body") void drop_incoming_body(handle self);
HTTP("[constructor]fields") handle fields_new(void);
HTTP("[constructor]outgoing-response") handle outgoing_response_new(handle headers);
HTTP("[method]outgoing-response.body") void outgoing_response_body(handle self, void* ret);
HTTP("[method]outgoing-body.write") void outgoing_body_write(handle self, void* ret);
HTTP("[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t trailers_is_some, handle trailers, void* ret);
HTTP("[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);
STREAMS("[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void* ret);
STREAMS("[resource-drop]input-stream") void drop_input_stream(handle self);
STREAMS("[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(handle self, const void* data, size_t len, void* ret);
STREAMS("[resource-drop]output-stream") void drop_output_stream(handle self);
__attribute__((import_module("wasi:io/error@0.2.12"), import_name("[resource-drop]error"))) void
drop_io_error(handle self);

// open(address) -> result<connection, error>: return area.
// query(self, statement, params) -> result<row-set, error>; execute likewise.
typedef void (*open_fn)(const char*, size_t, void*);
typedef void (*run_fn)(handle, const char*, size_t, const void*, size_t, void*);
PG2("[static]connection.open") void pg2_open(const char*, size_t, void*);
PG2("[method]connection.query")
void pg2_query(handle, const char*, size_t, const void*, size_t, void*);
PG2("[method]connection.execute")
void pg2_execute(handle, const char*, size_t, const void*, size_t, void*);
PG2("[resource-drop]connection") void pg2_drop(handle);
MY2("[static]connection.open") void my2_open(const char*, size_t, void*);
MY2("[method]connection.query")
void my2_query(handle, const char*, size_t, const void*, size_t, void*);
MY2("[method]connection.execute")
void my2_execute(handle, const char*, size_t, const void*, size_t, void*);
MY2("[resource-drop]connection") void my2_drop(handle);
PG3("[static]connection.open") void pg3_open(const char*, size_t, void*);
PG3("[method]connection.query")
void pg3_query(handle, const char*, size_t, const void*, size_t, void*);
PG3("[method]connection.execute")
void pg3_execute(handle, const char*, size_t, const void*, size_t, void*);
PG3("[resource-drop]connection") void pg3_drop(handle);
PG41("[constructor]connection-builder") handle pg41_builder_new(const char*, size_t);
PG41("[method]connection-builder.set-ca-root")
void pg41_builder_set_ca_root(handle, const char*, size_t, void*);
PG41("[method]connection-builder.build") void pg41_builder_build(handle, void*);
PG41("[resource-drop]connection-builder") void pg41_builder_drop(handle);
PG41("[method]connection.query")
void pg41_query(handle, const char*, size_t, const void*, size_t, void*);
PG41("[method]connection.execute")
void pg41_execute(handle, const char*, size_t, const void*, size_t, void*);
PG41("[resource-drop]connection") void pg41_drop(handle);
PG4("[static]connection.open") void pg4_open(const char*, size_t, void*);
PG4("[method]connection.query")
void pg4_query(handle, const char*, size_t, const void*, size_t, void*);
PG4("[method]connection.execute")
void pg4_execute(handle, const char*, size_t, const void*, size_t, void*);
PG4("[resource-drop]connection") void pg4_drop(handle);

__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* ptr, size_t old_size,
                                                                size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void*)align;
  void* p = realloc(ptr, new_size);
  if (!p) abort();
  return p;
}

static _Alignas(8) uint8_t ret[128];
#define U8(base, off) (*(const uint8_t*)((base) + (off)))
#define U32(base, off) (*(const uint32_t*)((base) + (off)))
#define STR(base, off) (const char*)(uintptr_t)U32(base, off), U32(base, (off) + 4)

static char out[1 << 16];
static size_t out_len;

static void say(const char* s, size_t n) {
  if (out_len + n > sizeof out) n = sizeof out - out_len;
  memcpy(out + out_len, s, n);
  out_len += n;
}
static void says(const char* s) { say(s, strlen(s)); }
static void sayf(const char* fmt, long long a, long long b, long long c) {
  char buf[96];
  int n = snprintf(buf, sizeof buf, fmt, a, b, c);
  say(buf, (size_t)n);
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

// parameter-value: v2 16 bytes, v3 24, v4 56; tag at 0, payload at 8.
static _Alignas(8) uint8_t params[32 * 56];

static const char* kV2Cases[] = {"bool", "i8",  "i16", "i32", "i64", "u8",   "u16",        "u32",
                                 "u64",  "f32", "f64", "str", "bin", "null", "unsupported"};
static const char* kV2Types[] = {"boolean",    "int8",   "int16",  "int32",  "int64",
                                 "uint8",      "uint16", "uint32", "uint64", "floating32",
                                 "floating64", "str",    "binary", "other"};
static const char* kV4Cases[] = {"bool", "i8",   "i16",      "i32",  "i64",        "f32",  "f64",
                                 "str",  "bin",  "date",     "time", "datetime",   "ts",   "uuid",
                                 "json", "dec",  "ri32",     "ri64", "rdec",       "ai32", "ai64",
                                 "adec", "astr", "interval", "null", "unsupported"};
static const char* kV3Cases[] = {"bool", "i8",       "i16", "i32",  "i64",
                                 "f32",  "f64",      "str", "bin",  "date",
                                 "time", "datetime", "ts",  "null", "unsupported"};
static const char* kV3Types[] = {"boolean",    "int8",       "int16",     "int32",  "int64",
                                 "floating32", "floating64", "str",       "binary", "date",
                                 "time",       "datetime",   "timestamp", "other"};
static const char* kV4Types[] = {
    "boolean",     "int8",          "int16",       "int32",         "int64",
    "floating32",  "floating64",    "str",         "binary",        "date",
    "time",        "datetime",      "timestamp",   "uuid",          "jsonb",
    "decimal",     "range-int32",   "range-int64", "range-decimal", "array-int32",
    "array-int64", "array-decimal", "array-str",   "interval",      "other"};

static void set_string(uint8_t* at, const char* s) {
  *(uint32_t*)at = (uint32_t)(uintptr_t)s;
  *(uint32_t*)(at + 4) = (uint32_t)strlen(s);
}

// One parameter "case:value" into the element at `p`; 0 when unknown.
static int parse_param(char* tok, uint8_t* p, int ver) {
  char* colon = strchr(tok, ':');
  char* val = colon ? colon + 1 : tok + strlen(tok);
  if (colon) *colon = 0;
  decode(val);
  const char** cases = ver == 4 ? kV4Cases : ver == 3 ? kV3Cases : kV2Cases;
  int n = ver == 4 ? 25 : 14;
  for (int t = 0; t < n; ++t) {
    if (strcmp(tok, cases[t]) != 0) continue;
    p[0] = (uint8_t)t;
    uint8_t* x = p + 8;
    const char* c = cases[t];
    if (!strcmp(c, "bool") || !strcmp(c, "i8") || !strcmp(c, "u8"))
      *x = (uint8_t)atoi(val);
    else if (!strcmp(c, "i16") || !strcmp(c, "u16"))
      *(int16_t*)x = (int16_t)atoi(val);
    else if (!strcmp(c, "i32") || !strcmp(c, "u32"))
      *(int32_t*)x = (int32_t)strtoll(val, NULL, 10);
    else if (!strcmp(c, "i64") || !strcmp(c, "ts"))
      *(int64_t*)x = strtoll(val, NULL, 10);
    else if (!strcmp(c, "u64"))
      *(uint64_t*)x = strtoull(val, NULL, 10);
    else if (!strcmp(c, "f32"))
      *(float*)x = strtof(val, NULL);
    else if (!strcmp(c, "f64"))
      *(double*)x = strtod(val, NULL);
    else if (!strcmp(c, "str") || !strcmp(c, "bin") || !strcmp(c, "uuid") || !strcmp(c, "json") ||
             !strcmp(c, "dec"))
      set_string(x, val);
    else if (!strcmp(c, "date")) {  // tuple<s32, u8, u8>
      int y = 0, m = 0, d = 0;
      sscanf(val, "%d-%d-%d", &y, &m, &d);
      *(int32_t*)x = y, x[4] = (uint8_t)m, x[5] = (uint8_t)d;
    } else if (!strcmp(c, "time")) {  // tuple<u8, u8, u8, u32>
      int h = 0, mi = 0, s = 0;
      sscanf(val, "%d:%d:%d", &h, &mi, &s);
      x[0] = (uint8_t)h, x[1] = (uint8_t)mi, x[2] = (uint8_t)s, *(uint32_t*)(x + 4) = 0;
    } else if (!strcmp(c, "datetime")) {  // tuple<s32, u8 x5, u32>
      int y = 0, m = 0, d = 0, h = 0, mi = 0, s = 0;
      sscanf(val, "%d-%d-%dT%d:%d:%d", &y, &m, &d, &h, &mi, &s);
      *(int32_t*)x = y;
      x[4] = (uint8_t)m, x[5] = (uint8_t)d, x[6] = (uint8_t)h, x[7] = (uint8_t)mi,
      x[8] = (uint8_t)s;
      *(uint32_t*)(x + 12) = 0;
    } else if (!strcmp(c, "ai32")) {  // list<option<s32>>: 8-byte elements
      int32_t* items = calloc(32, 8);
      size_t k = 0;
      for (char* e = val; *e && k < 32; ++k) {  // not strtok: the caller is inside one
        char* comma = strchr(e, ',');
        if (comma) *comma = 0;
        if (strcmp(e, "null") != 0) items[2 * k] = 1, items[2 * k + 1] = (int32_t)atoi(e);
        if (!comma) {
          ++k;
          break;
        }
        e = comma + 1;
      }
      *(uint32_t*)x = (uint32_t)(uintptr_t)items, *(uint32_t*)(x + 4) = (uint32_t)k;
    } else if (!strcmp(c, "ri32")) {  // "lo,hi": [lo, hi) as two option<tuple<s32, kind>>
      int lo = 0, hi = 0;
      sscanf(val, "%d,%d", &lo, &hi);
      x[0] = 1, *(int32_t*)(x + 4) = lo, x[8] = 0;
      x[12] = 1, *(int32_t*)(x + 16) = hi, x[20] = 1;
    } else if (!strcmp(c, "interval")) {  // record { s64, s32, s32 }
      long long us = 0;
      int days = 0, months = 0;
      sscanf(val, "%lld,%d,%d", &us, &days, &months);
      *(int64_t*)x = us, *(int32_t*)(x + 8) = days, *(int32_t*)(x + 12) = months;
    }
    return 1;
  }
  return 0;
}

static void say_date(const uint8_t* x) {
  sayf("%lld-%02lld-%02lld", *(const int32_t*)x, x[4], x[5]);
}

// A db-value (v2: 16 bytes, v3: 24, v4: 56).
static void say_value(const uint8_t* v, int ver) {
  int t = v[0];
  const char* c = ver == 4   ? (t < 26 ? kV4Cases[t] : "?")
                  : ver == 3 ? (t < 15 ? kV3Cases[t] : "?")
                             : (t < 15 ? kV2Cases[t] : "?");
  says(c);
  const uint8_t* x = v + 8;
  if (!strcmp(c, "null") || !strcmp(c, "?") || (ver != 4 && !strcmp(c, "unsupported"))) return;
  says(":");
  if (!strcmp(c, "bool") || !strcmp(c, "u8"))
    sayf("%lld", x[0], 0, 0);
  else if (!strcmp(c, "i8"))
    sayf("%lld", *(const int8_t*)x, 0, 0);
  else if (!strcmp(c, "i16"))
    sayf("%lld", *(const int16_t*)x, 0, 0);
  else if (!strcmp(c, "u16"))
    sayf("%lld", *(const uint16_t*)x, 0, 0);
  else if (!strcmp(c, "i32"))
    sayf("%lld", *(const int32_t*)x, 0, 0);
  else if (!strcmp(c, "u32"))
    sayf("%lld", *(const uint32_t*)x, 0, 0);
  else if (!strcmp(c, "i64") || !strcmp(c, "ts"))
    sayf("%lld", *(const int64_t*)x, 0, 0);
  else if (!strcmp(c, "u64")) {
    char buf[32];
    say(buf, (size_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t*)x));
  } else if (!strcmp(c, "f32") || !strcmp(c, "f64")) {
    char buf[64];
    double d = !strcmp(c, "f32") ? *(const float*)x : *(const double*)x;
    say(buf, (size_t)snprintf(buf, sizeof buf, "%.17g", d));
  } else if (!strcmp(c, "bin")) {
    for (uint32_t i = 0; i < U32(x, 4); ++i)
      sayf("%02llx", ((const uint8_t*)(uintptr_t)U32(x, 0))[i], 0, 0);
  } else if (!strcmp(c, "str") || !strcmp(c, "uuid") || !strcmp(c, "json") || !strcmp(c, "dec") ||
             !strcmp(c, "unsupported")) {
    say(STR(x, 0));
  } else if (!strcmp(c, "date")) {
    say_date(x);
  } else if (!strcmp(c, "time")) {
    sayf("%02lld:%02lld:%02lld", x[0], x[1], x[2]);
    sayf(".%09lld", *(const uint32_t*)(x + 4), 0, 0);
  } else if (!strcmp(c, "datetime")) {
    say_date(x);
    sayf("T%02lld:%02lld:%02lld", x[6], x[7], x[8]);
    sayf(".%09lld", *(const uint32_t*)(x + 12), 0, 0);
  } else if (!strcmp(c, "ai32")) {
    const int32_t* items = (const int32_t*)(uintptr_t)U32(x, 0);
    for (uint32_t i = 0; i < U32(x, 4); ++i) {
      if (i) says(",");
      if (items[2 * i])
        sayf("%lld", items[2 * i + 1], 0, 0);
      else
        says("null");
    }
  } else if (!strcmp(c, "interval")) {
    sayf("%lld,%lld,%lld", *(const int64_t*)x, *(const int32_t*)(x + 8), *(const int32_t*)(x + 12));
  } else if (!strcmp(c, "astr") || !strcmp(c, "adec")) {  // list<option<string>>: 12 bytes
    const uint8_t* items = (const uint8_t*)(uintptr_t)U32(x, 0);
    for (uint32_t i = 0; i < U32(x, 4); ++i) {
      if (i) says(",");
      if (items[12 * i])
        say(STR(items + 12 * i, 4));
      else
        says("null");
    }
  } else if (!strcmp(c, "ai64")) {  // list<option<s64>>: 16 bytes
    const uint8_t* items = (const uint8_t*)(uintptr_t)U32(x, 0);
    for (uint32_t i = 0; i < U32(x, 4); ++i) {
      if (i) says(",");
      if (items[16 * i])
        sayf("%lld", *(const int64_t*)(items + 16 * i + 8), 0, 0);
      else
        says("null");
    }
  } else if (!strcmp(c, "ri64") || !strcmp(c, "rdec")) {  // option<tuple<..., kind>> x2
    int dec = !strcmp(c, "rdec");
    for (int b = 0; b < 2; ++b) {
      const uint8_t* o = x + (dec ? 16 : 24) * b;
      if (b) says(",");
      if (!o[0]) {
        says("inf");
        continue;
      }
      if (dec)
        say(STR(o, 4));
      else
        sayf("%lld", *(const int64_t*)(o + 8), 0, 0);
      says(o[dec ? 12 : 16] ? "x" : "i");
    }
  } else if (!strcmp(c, "ri32")) {  // tuple<option<tuple<s32, kind>>, ...>: 12 + 12 bytes
    for (int b = 0; b < 2; ++b) {
      const uint8_t* o = x + 12 * b;
      if (b) says(",");
      if (o[0])
        sayf("%lld", *(const int32_t*)(o + 4), 0, 0), says(o[8] ? "x" : "i");
      else
        says("inf");
    }
  }
}

// The error variant at `e` (v4: query-failed holds a query-error).
static void say_error(const uint8_t* e, int ver) {
  sayf("error %lld: ", e[0], 0, 0);
  if (ver == 4 && e[0] == 2) {
    const uint8_t* q = e + 4;
    if (q[0] == 0) {
      says("text ");
      say(STR(q, 4));
    } else {  // db-error: as-text, severity, code, message at 4, 12, 20, 28
      says("db-error ");
      say(STR(q, 20));
      says(" ");
      say(STR(q, 28));
    }
    return;
  }
  say(STR(e, 4));
}

static void say_row_set(const uint8_t* rs, int ver) {
  const uint8_t* cols = (const uint8_t*)(uintptr_t)U32(rs, 0);
  uint32_t ncols = U32(rs, 4);
  const uint32_t* rows = (const uint32_t*)(uintptr_t)U32(rs, 8);
  uint32_t nrows = U32(rs, 12);
  size_t col_size = ver == 4 ? 20 : 12, val_size = ver == 4 ? 56 : ver == 3 ? 24 : 16;
  says("columns: ");
  for (uint32_t i = 0; i < ncols; ++i) {
    const uint8_t* col = cols + i * col_size;
    if (i) says(",");
    say(STR(col, 0));
    says(":");
    uint8_t t = col[8];
    if (ver == 3) {
      says(t < 14 ? kV3Types[t] : "?");
    } else if (ver == 4) {
      says(t < 25 ? kV4Types[t] : "?");
      if (t == 24) says("("), say(STR(col, 12)), says(")");
    } else {
      says(t < 14 ? kV2Types[t] : "?");
    }
  }
  says("\n");
  for (uint32_t i = 0; i < nrows; ++i) {
    const uint8_t* vals = (const uint8_t*)(uintptr_t)rows[2 * i];
    for (uint32_t j = 0; j < rows[2 * i + 1]; ++j) {
      if (j) says("|");
      say_value(vals + j * val_size, ver);
    }
    says("\n");
  }
}

static void run(const char* api, const char* op, char* query, const char* sql, size_t sql_len) {
  int my = !strcmp(api, "mysql2");
  int builder = !strcmp(api, "pg41");  // spin:postgres@4.1.0 through connection-builder
  int ver = !strcmp(api, "pg4") || builder ? 4 : !strcmp(api, "pg3") ? 3 : 2;
  open_fn open = ver == 4 ? pg4_open : ver == 3 ? pg3_open : my ? my2_open : pg2_open;
  run_fn q = builder    ? pg41_query
             : ver == 4 ? pg4_query
             : ver == 3 ? pg3_query
             : my       ? my2_query
                        : pg2_query;
  run_fn x = builder    ? pg41_execute
             : ver == 4 ? pg4_execute
             : ver == 3 ? pg3_execute
             : my       ? my2_execute
                        : pg2_execute;
  void (*drop)(handle) = builder    ? pg41_drop
                         : ver == 4 ? pg4_drop
                         : ver == 3 ? pg3_drop
                         : my       ? my2_drop
                                    : pg2_drop;
  const char* addr = "";
  const char* ca = NULL;
  size_t np = 0, size = ver == 4 ? 56 : ver == 3 ? 24 : 16;
  memset(params, 0, sizeof params);
  for (char* tok = query ? strtok(query, "&") : NULL; tok && np < 32; tok = strtok(NULL, "&")) {
    if (!strncmp(tok, "addr=", 5)) {
      decode(tok + 5);
      addr = tok + 5;
    } else if (!strncmp(tok, "ca=", 3)) {
      decode(tok + 3);
      ca = tok + 3;
    } else if (!parse_param(tok, params + np++ * size, ver)) {
      says("bad parameter ");
      says(tok);
      return;
    }
  }
  if (builder) {
    handle b = pg41_builder_new(addr, strlen(addr));
    if (ca) {
      pg41_builder_set_ca_root(b, ca, strlen(ca), ret);  // result<_, error>: error at 4
      if (ret[0]) {
        says("ca ");
        say_error(ret + 4, ver);
        says("\n");
      }
    }
    pg41_builder_build(b, ret);  // result<connection, error>, as open's
    pg41_builder_drop(b);
  } else {
    open(addr, strlen(addr), ret);  // tag at 0; ok: handle at 4; err: error at 4
  }
  if (ret[0]) {
    says("open ");
    say_error(ret + 4, ver);
    return;
  }
  handle conn = (handle)U32(ret, 4);
  if (!strcmp(op, "query")) {
    q(conn, sql, sql_len, params, np, ret);  // tag at 0, row-set or error at 4
    if (ret[0])
      say_error(ret + 4, ver);
    else
      say_row_set(ret + 4, ver);
  } else {
    x(conn, sql, sql_len, params, np, ret);  // pg: payload at 8; mysql: error at 4
    if (ret[0])
      say_error(ret + (my ? 4 : 8), ver);
    else if (my)
      says("ok");
    else
      sayf("ok %lld", *(const int64_t*)(ret + 8), 0, 0);
  }
  drop(conn);
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle"))) void handle_request(
    handle req, handle outparam) {
  request_path(req, ret);  // option<string>
  char path[4096] = "/";
  if (ret[0]) {
    size_t n = U32(ret, 8) < sizeof path - 1 ? U32(ret, 8) : sizeof path - 1;
    memcpy(path, (const void*)(uintptr_t)U32(ret, 4), n);
    path[n] = 0;
  }
  char* body = malloc(1);
  size_t body_len = 0;
  request_consume(req, ret);
  if (ret[0] == 0) {
    handle in_body = (handle)U32(ret, 4);
    incoming_body_stream(in_body, ret);
    if (ret[0] == 0) {
      handle stream = (handle)U32(ret, 4);
      for (;;) {
        input_stream_blocking_read(stream, 65536, ret);
        if (ret[0] != 0) {
          if (ret[4] == 0) drop_io_error((handle)U32(ret, 8));
          break;
        }
        body = realloc(body, body_len + U32(ret, 8) + 1);
        memcpy(body + body_len, (const void*)(uintptr_t)U32(ret, 4), U32(ret, 8));
        body_len += U32(ret, 8);
      }
      drop_input_stream(stream);
    }
    drop_incoming_body(in_body);
  }
  drop_incoming_request(req);

  out_len = 0;
  char* query = strchr(path, '?');
  if (query) *query++ = 0;
  char* api = path + 1;
  char* op = strchr(api, '/');
  if (op) {
    *op++ = 0;
    run(api, op, query, body, body_len);
  } else {
    says("not found");
  }

  handle response = outgoing_response_new(fields_new());
  outgoing_response_body(response, ret);
  handle out_body = (handle)U32(ret, 4);
  response_outparam_set(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  outgoing_body_write(out_body, ret);
  handle stream = (handle)U32(ret, 4);
  for (size_t done = 0; done < out_len;) {
    size_t n = out_len - done < 4096 ? out_len - done : 4096;
    output_stream_blocking_write_and_flush(stream, out + done, n, ret);
    if (ret[0] != 0) break;
    done += n;
  }
  drop_output_stream(stream);
  outgoing_body_finish(out_body, 0, 0, ret);
}

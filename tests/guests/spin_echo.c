// A Spin 1.x HTTP component written by hand against the ABI (no bindings):
// exports canonical_abi_realloc / canonical_abi_free / handle-http-request
// and `_initialize`. Every realloc and free is logged to stderr as
// "realloc <orig> <align> <size>" / "free <size> <align>".
//
// By path (the uri before '?'):
//   /trap            traps (unreachable)
//   /loop            never returns
//   /exit            proc_exit(3)
//   /grow            allocates 64 MiB
//   /print           writes to stdout and stderr, then echoes
//   /status/<n>      answers status n
//   /none            headers and body None
//   /dup             header x-a twice ("1" then "2")
//   /bad-ret         returns a return area outside memory
//   /misaligned-ret  returns a misaligned return area
//   /oob-body        body pointer outside memory
//   /huge-body       body length past the end of memory
//   /oob-headers     headers list outside memory
//   /wrap-headers    headers length whose byte size wraps 32 bits
//   /long-headers    60000 headers at a valid pointer (past the end)
//   /oob-header-key  a header name pointer outside memory
//   /bad-tag         headers option discriminant 7
//   /bad-utf8        a header value that is not UTF-8
//   /bad-name        a header name that is not a token
//   anything else    echo: status 200; headers x-method (enum index),
//                    x-uri, x-init-count, x-start-called, x-params-len,
//                    x-body-some, x-header-count, then the request headers
//                    as received; body = request body.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

static int init_count = 0;
static int start_called = 0;

int main(void) {
  start_called = 1;
  return 0;
}

EXPORT("_initialize") void initialize(void) { ++init_count; }

EXPORT("canonical_abi_realloc")
void* canonical_abi_realloc(void* ptr, size_t orig_size, size_t align, size_t new_size) {
  fprintf(stderr, "realloc %zu %zu %zu\n", orig_size, align, new_size);
  if (new_size == 0) return (void*)align;
  void* r = realloc(ptr, new_size);
  if (!r) abort();
  return r;
}

EXPORT("canonical_abi_free") void canonical_abi_free(void* ptr, size_t size, size_t align) {
  fprintf(stderr, "free %zu %zu\n", size, align);
  if (size > 0) free(ptr);
}

typedef struct {
  char* ptr;
  size_t len;
} str_t;
typedef struct {
  str_t k, v;
} pair_t;  // 16 bytes, align 4

static uint8_t ret_area[32] __attribute__((aligned(8)));

static void set_u16(uint32_t off, uint16_t v) { memcpy(ret_area + off, &v, 2); }
static void set_u8(uint32_t off, uint8_t v) { ret_area[off] = v; }
static void set_u32(uint32_t off, uint32_t v) { memcpy(ret_area + off, &v, 4); }

static str_t dup_str(const char* p, size_t n) {
  str_t s;
  s.ptr = malloc(n ? n : 1);
  memcpy(s.ptr, p, n);
  s.len = n;
  return s;
}
static str_t cstr(const char* p) { return dup_str(p, strlen(p)); }
static str_t num(long v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%ld", v);
  return cstr(buf);
}

static int32_t respond(uint16_t status, pair_t* hdrs, size_t nh, int has_hdrs, char* body,
                       size_t blen, int has_body) {
  memset(ret_area, 0, sizeof ret_area);
  set_u16(0, status);
  set_u8(4, has_hdrs);
  set_u32(8, (uint32_t)(uintptr_t)hdrs);
  set_u32(12, (uint32_t)nh);
  set_u8(16, has_body);
  set_u32(20, (uint32_t)(uintptr_t)body);
  set_u32(24, (uint32_t)blen);
  return (int32_t)(uintptr_t)ret_area;
}

static int path_is(const char* uri, size_t len, const char* p) {
  size_t n = strlen(p);
  return len >= n && memcmp(uri, p, n) == 0 && (len == n || uri[n] == '?' || uri[n] == '/');
}

static int32_t one_header(const char* k, size_t kl, const char* v, size_t vl) {
  pair_t* h = malloc(sizeof(pair_t));
  h->k = dup_str(k, kl);
  h->v = dup_str(v, vl);
  return respond(200, h, 1, 1, NULL, 0, 0);
}

EXPORT("handle-http-request")
int32_t handle_http_request(int32_t method, int32_t uri_ptr, int32_t uri_len, int32_t hdrs_ptr,
                            int32_t hdrs_len, int32_t params_ptr, int32_t params_len,
                            int32_t body_is_some, int32_t body_ptr, int32_t body_len) {
  (void)params_ptr;
  const char* uri = (const char*)(uintptr_t)uri_ptr;
  size_t ul = (size_t)uri_len;
  const pair_t* req_hdrs = (const pair_t*)(uintptr_t)hdrs_ptr;

  if (path_is(uri, ul, "/trap")) __builtin_trap();
  if (path_is(uri, ul, "/loop")) {
    for (volatile unsigned i = 0;; ++i) {
    }
  }
  if (path_is(uri, ul, "/exit")) exit(3);
  if (path_is(uri, ul, "/grow")) {
    volatile char* p = malloc(64 << 20);
    if (!p) __builtin_trap();
    p[0] = 1;
  }
  if (path_is(uri, ul, "/print")) {
    printf("hello from stdout\n");
    fflush(stdout);
    fprintf(stderr, "hello from stderr\n");
  }
  if (path_is(uri, ul, "/status")) {
    long s = ul > 8 ? strtol(uri + 8, NULL, 10) : 0;
    return respond((uint16_t)s, NULL, 0, 0, NULL, 0, 0);
  }
  if (path_is(uri, ul, "/none")) return respond(201, NULL, 0, 0, NULL, 0, 0);
  if (path_is(uri, ul, "/dup")) {
    pair_t* h = malloc(2 * sizeof(pair_t));
    h[0].k = cstr("X-A");
    h[0].v = cstr("1");
    h[1].k = cstr("x-a");
    h[1].v = cstr("2");
    return respond(200, h, 2, 1, NULL, 0, 0);
  }
  if (path_is(uri, ul, "/bad-ret")) return (int32_t)0xFFFFFFF0u;
  if (path_is(uri, ul, "/misaligned-ret")) {
    respond(200, NULL, 0, 0, NULL, 0, 0);
    return (int32_t)(uintptr_t)(ret_area + 1);
  }
  if (path_is(uri, ul, "/oob-body")) {
    respond(200, NULL, 0, 0, NULL, 0, 0);
    set_u8(16, 1);
    set_u32(20, 0xFFFFFF00u);
    set_u32(24, 0x1000);
    return (int32_t)(uintptr_t)ret_area;
  }
  if (path_is(uri, ul, "/huge-body")) {
    char* b = malloc(16);
    return respond(200, NULL, 0, 0, b, 0x7FFFFFFF, 1);
  }
  if (path_is(uri, ul, "/oob-headers")) return respond(200, (pair_t*)0xFFFFFFF0u, 1, 1, NULL, 0, 0);
  if (path_is(uri, ul, "/wrap-headers")) {
    pair_t* h = malloc(sizeof(pair_t));
    h->k = cstr("a");
    h->v = cstr("b");
    return respond(200, h, 0x10000001u, 1, NULL, 0, 0);
  }
  if (path_is(uri, ul, "/long-headers")) {
    pair_t* h = malloc(sizeof(pair_t));
    h->k = cstr("a");
    h->v = cstr("b");
    return respond(200, h, 60000, 1, NULL, 0, 0);
  }
  if (path_is(uri, ul, "/oob-header-key")) {
    pair_t* h = malloc(sizeof(pair_t));
    h->k.ptr = (char*)0xFFFFFF00u;
    h->k.len = 0x200;
    h->v = cstr("b");
    return respond(200, h, 1, 1, NULL, 0, 0);
  }
  if (path_is(uri, ul, "/bad-tag")) {
    respond(200, NULL, 0, 0, NULL, 0, 0);
    set_u8(4, 7);
    return (int32_t)(uintptr_t)ret_area;
  }
  if (path_is(uri, ul, "/bad-utf8")) return one_header("x-bad", 5, "\xff\xfe", 2);
  if (path_is(uri, ul, "/bad-name")) return one_header("bad name", 8, "v", 1);

  // Echo.
  static const char* const methods[] = {"get", "post", "put", "delete", "patch", "head", "options"};
  size_t nh = 7 + (size_t)hdrs_len;
  pair_t* h = malloc(nh * sizeof(pair_t));
  size_t i = 0;
  h[i].k = cstr("x-method");
  h[i++].v = cstr(method >= 0 && method < 7 ? methods[method] : "?");
  h[i].k = cstr("x-uri");
  h[i++].v = dup_str(uri, ul);
  h[i].k = cstr("x-init-count");
  h[i++].v = num(init_count);
  h[i].k = cstr("x-start-called");
  h[i++].v = num(start_called);
  h[i].k = cstr("x-params-len");
  h[i++].v = num(params_len);
  h[i].k = cstr("x-body-some");
  h[i++].v = num(body_is_some);
  h[i].k = cstr("x-header-count");
  h[i++].v = num(hdrs_len);
  for (int32_t j = 0; j < hdrs_len; ++j) {
    h[i].k = dup_str(req_hdrs[j].k.ptr, req_hdrs[j].k.len);
    h[i++].v = dup_str(req_hdrs[j].v.ptr, req_hdrs[j].v.len);
  }
  char* body = NULL;
  size_t blen = 0;
  if (body_is_some) {
    blen = (size_t)body_len;
    body = malloc(blen ? blen : 1);
    memcpy(body, (const void*)(uintptr_t)body_ptr, blen);
  }
  return respond(200, h, nh, 1, body, blen, body_is_some);
}

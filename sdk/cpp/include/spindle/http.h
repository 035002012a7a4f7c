/* spindle's C SDK for HTTP components, header-only, C11: a Spin 1.x HTTP
 * module, or a wasi:http 0.2 component when compiled with -DSPINDLE_WASI_HTTP.
 *
 *   #include <spindle/http.h>
 *   static void handle(const spindle_request* req, spindle_response* res) {
 *     (void)req;
 *     spindle_response_header(res, "content-type", "text/plain");
 *     spindle_response_body_str(res, "hello\n");
 *   }
 *   SPINDLE_HTTP_COMPONENT_C(handle)
 *
 * Build:
 *   clang-19 --target=wasm32-wasi -Oz -mexec-model=reactor -I sdk/cpp/include \
 *     hello.c -o hello.wasm -Wl,--strip-all
 *
 * With -DSPINDLE_WASI_HTTP the same source exports
 * wasi:http/incoming-handler@0.2.12#handle and cabi_realloc instead, and
 * `node sdk/cpp/tools/componentize.mjs hello.core.wasm -o hello.wasm` makes
 * the component (docs/SDK.md, "Spin 1 module or wasi:http component").
 *
 * The handler gets the request (valid until it returns) and a response that
 * starts as 200 with no headers and an empty body. Strings are spindle_str
 * (pointer + length, not NUL-terminated). Allocation failure, abort() or a
 * trap make the host answer 500. Guide: docs/SDK.md. */
#ifndef SPINDLE_HTTP_H
#define SPINDLE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef SPINDLE_WASI_HTTP
#include "detail/wasi_http.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spindle_str {
  const char* ptr;
  size_t len;
} spindle_str;

/* Same layout as the ABI's (string, string) list element on wasm32. */
typedef struct spindle_header {
  spindle_str name;
  spindle_str value;
} spindle_header;

typedef enum spindle_method {
  SPINDLE_GET,
  SPINDLE_POST,
  SPINDLE_PUT,
  SPINDLE_DELETE,
  SPINDLE_PATCH,
  SPINDLE_HEAD,
  SPINDLE_OPTIONS
} spindle_method;

typedef struct spindle_request {
  spindle_method method;
  spindle_str uri;               /* path + query, as sent: "/items/4?x=1" */
  spindle_str path;              /* "/items/4" */
  spindle_str query;             /* "x=1" (no '?'; empty when none) */
  const spindle_header* headers; /* names lower case; spin-path-info etc. included */
  size_t header_count;
  spindle_str body;
} spindle_request;

typedef struct spindle_response {
  uint16_t status;
  spindle_header* headers;
  size_t header_count, header_cap_;
  char* body;
  size_t body_len, body_cap_;
} spindle_response;

static inline const char* spindle_method_name(spindle_method m) {
  static const char* const names[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
  return (unsigned)m < 7 ? names[m] : "?";
}

/* 1 when `s` equals the C string `c`. */
static inline int spindle_str_eq(spindle_str s, const char* c) {
  size_t n = strlen(c);
  return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

/* The first request header called `name` (ASCII case-insensitive); ptr is
 * NULL when there is none. */
static inline spindle_str spindle_request_header(const spindle_request* req, const char* name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < req->header_count; ++i) {
    spindle_str k = req->headers[i].name;
    if (k.len != n) continue;
    size_t j = 0;
    while (j < n) {
      char a = k.ptr[j], b = name[j];
      if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
      if (a != b) break;
      ++j;
    }
    if (j == n) return req->headers[i].value;
  }
  spindle_str none = {NULL, 0};
  return none;
}

static inline void* spindle__alloc(void* p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) __builtin_trap(); /* out of memory: the host answers 500 */
  return p;
}

/* A malloc'ed copy the host frees (zero-length strings get no block). */
static inline spindle_str spindle__copy(const char* p, size_t n) {
  spindle_str s = {(const char*)1, 0};
  if (n) {
    char* d = (char*)spindle__alloc(NULL, n);
    memcpy(d, p, n);
    s.ptr = d;
    s.len = n;
  }
  return s;
}

static inline void spindle_response_status(spindle_response* res, uint16_t status) {
  res->status = status;
}

/* Adds a header (copied); the same name twice sends it twice. */
static inline void spindle_response_header_n(spindle_response* res, const char* name,
                                             size_t name_len, const char* value, size_t value_len) {
  if (res->header_count == res->header_cap_) {
    res->header_cap_ = res->header_cap_ ? 2 * res->header_cap_ : 8;
    res->headers =
        (spindle_header*)spindle__alloc(res->headers, res->header_cap_ * sizeof(spindle_header));
  }
  spindle_header* h = &res->headers[res->header_count++];
  h->name = spindle__copy(name, name_len);
  h->value = spindle__copy(value, value_len);
}

static inline void spindle_response_header(spindle_response* res, const char* name,
                                           const char* value) {
  spindle_response_header_n(res, name, strlen(name), value, strlen(value));
}

/* Appends bytes to the body. */
static inline void spindle_response_append(spindle_response* res, const void* data, size_t len) {
  if (res->body_len + len > res->body_cap_) {
    size_t cap = res->body_cap_ ? 2 * res->body_cap_ : 256;
    while (cap < res->body_len + len) cap *= 2;
    res->body = (char*)spindle__alloc(res->body, cap);
    res->body_cap_ = cap;
  }
  if (len) memcpy(res->body + res->body_len, data, len);
  res->body_len += len;
}

/* Replaces the body. */
static inline void spindle_response_body(spindle_response* res, const void* data, size_t len) {
  res->body_len = 0;
  spindle_response_append(res, data, len);
}

static inline void spindle_response_body_str(spindle_response* res, const char* s) {
  spindle_response_body(res, s, strlen(s));
}

/* Sets req->path and req->query from req->uri. */
static inline void spindle__split_uri(spindle_request* req) {
  size_t i;
  req->path = req->uri;
  req->query.ptr = req->uri.ptr + req->uri.len;
  req->query.len = 0;
  for (i = 0; i < req->uri.len; ++i) {
    if (req->uri.ptr[i] == '?') {
      req->path.len = i;
      req->query.ptr = req->uri.ptr + i + 1;
      req->query.len = req->uri.len - i - 1;
      break;
    }
  }
}

static inline void spindle__response_free(spindle_response* res) {
  size_t i;
  for (i = 0; i < res->header_count; ++i) {
    if (res->headers[i].name.len) free((void*)res->headers[i].name.ptr);
    if (res->headers[i].value.len) free((void*)res->headers[i].value.ptr);
  }
  free(res->headers);
  free(res->body);
}

#ifdef SPINDLE_WASI_HTTP
/* ---- wasi:http 0.2 (what SPINDLE_HTTP_COMPONENT_C exports with -DSPINDLE_WASI_HTTP) ---- */

_Static_assert(sizeof(spindle__wasi_entry) == sizeof(spindle_header),
               "fields.entries elements must have spindle_header's layout");

static inline void spindle__wasi_handle_c(void (*fn)(const spindle_request*, spindle_response*),
                                          int32_t request, int32_t outparam) {
  spindle__wasi_request r;
  spindle_request req;
  spindle_response res = {200, NULL, 0, 0, NULL, 0, 0};
  size_t i;
  spindle__handle fields;
  spindle__wasi_read_request(request, &r);
  if (r.method < 0) {
    spindle__wasi_send_unsupported_method(outparam, &r);
    spindle__wasi_request_free(&r);
    return;
  }
  if (r.body_failed) {
    static const char msg[] = "spindle: the request body could not be read to its end\n";
    spindle__wasi_log(msg, sizeof msg - 1);
  }
  req.method = (spindle_method)r.method;
  req.uri.ptr = r.uri;
  req.uri.len = r.uri_len;
  spindle__split_uri(&req);
  req.headers = (const spindle_header*)(const void*)r.headers; /* the host's list, as is */
  req.header_count = r.header_count;
  req.body.ptr = r.body_len ? r.body : "";
  req.body.len = r.body_len;

  fn(&req, &res);
  spindle__wasi_request_free(&r);

  fields = spindle__wasi_fields_new();
  for (i = 0; i < res.header_count; ++i)
    spindle__wasi_add_header(fields, res.headers[i].name.ptr, res.headers[i].name.len,
                             res.headers[i].value.ptr, res.headers[i].value.len);
  spindle__wasi_send(outparam, fields, res.status, res.body, res.body_len);
  spindle__response_free(&res);
}

/* Exports `fn` (void fn(const spindle_request*, spindle_response*)) as the
 * component's wasi:http handler. Use it once per component, at file scope. */
#define SPINDLE_HTTP_COMPONENT_C(fn)                                                           \
  __attribute__((export_name("cabi_realloc"))) void* spindle_cabi_realloc(                     \
      void* ptr, size_t old_size, size_t align, size_t new_size) {                             \
    return spindle__wasi_realloc(ptr, old_size, align, new_size);                              \
  }                                                                                            \
  __attribute__((export_name(SPINDLE_WASI_HTTP_HANDLE_EXPORT))) void spindle_wasi_http_handle( \
      int32_t request, int32_t outparam) {                                                     \
    spindle__wasi_handle_c(fn, request, outparam);                                             \
  }

#else
/* ---- the Spin 1.x HTTP ABI (what SPINDLE_HTTP_COMPONENT_C exports) ---- */

_Static_assert(sizeof(void*) != 4 || sizeof(spindle_header) == 16,
               "spindle_header must match the ABI's 16-byte list element");

static inline void* spindle__abi_realloc(void* ptr, size_t orig_size, size_t align,
                                         size_t new_size) {
  if (new_size == 0) {
    if (orig_size) free(ptr);
    return (void*)align; /* non-null, never dereferenced */
  }
  return spindle__alloc(orig_size ? ptr : NULL, new_size);
}

static inline void spindle__abi_free(void* ptr, size_t size, size_t align) {
  (void)align;
  if (size) free(ptr);
}

static inline int32_t spindle__abi_handle(void (*fn)(const spindle_request*, spindle_response*),
                                          uint8_t* ret, int32_t method, int32_t uri_ptr,
                                          int32_t uri_len, int32_t hdrs_ptr, int32_t hdrs_len,
                                          int32_t params_ptr, int32_t params_len,
                                          int32_t body_is_some, int32_t body_ptr,
                                          int32_t body_len) {
  spindle_request req;
  spindle_response res = {200, NULL, 0, 0, NULL, 0, 0};
  size_t nh = (size_t)hdrs_len, np = (size_t)params_len, i;
  const spindle_header* params = (const spindle_header*)(uintptr_t)params_ptr;
  uint32_t v;
  req.method = (spindle_method)method;
  req.uri.ptr = (const char*)(uintptr_t)uri_ptr;
  req.uri.len = (size_t)uri_len;
  spindle__split_uri(&req);
  req.headers = (const spindle_header*)(uintptr_t)hdrs_ptr;
  req.header_count = nh;
  req.body.ptr = body_is_some ? (const char*)(uintptr_t)body_ptr : "";
  req.body.len = body_is_some ? (size_t)body_len : 0;

  fn(&req, &res);

  /* The request's blocks belong to the guest: release them. */
  spindle__abi_free((void*)req.uri.ptr, req.uri.len, 1);
  for (i = 0; i < nh; ++i) {
    spindle__abi_free((void*)req.headers[i].name.ptr, req.headers[i].name.len, 1);
    spindle__abi_free((void*)req.headers[i].value.ptr, req.headers[i].value.len, 1);
  }
  spindle__abi_free((void*)req.headers, nh * 16, 4);
  for (i = 0; i < np; ++i) {
    spindle__abi_free((void*)params[i].name.ptr, params[i].name.len, 1);
    spindle__abi_free((void*)params[i].value.ptr, params[i].value.len, 1);
  }
  spindle__abi_free((void*)params, np * 16, 4);
  if (body_is_some) spindle__abi_free((void*)req.body.ptr, req.body.len, 1);

  memset(ret, 0, 28);
  memcpy(ret, &res.status, 2);
  ret[4] = 1;
  v = res.header_count ? (uint32_t)(uintptr_t)res.headers : 4;
  if (!res.header_count) free(res.headers);
  memcpy(ret + 8, &v, 4);
  v = (uint32_t)res.header_count;
  memcpy(ret + 12, &v, 4);
  ret[16] = 1;
  v = res.body_len ? (uint32_t)(uintptr_t)res.body : 1;
  if (!res.body_len) free(res.body);
  memcpy(ret + 20, &v, 4);
  v = (uint32_t)res.body_len;
  memcpy(ret + 24, &v, 4);
  return (int32_t)(uintptr_t)ret;
}

/* Exports `fn` (void fn(const spindle_request*, spindle_response*)) as the
 * component's HTTP handler. Use it once per component, at file scope. */
#define SPINDLE_HTTP_COMPONENT_C(fn)                                                               \
  __attribute__((export_name("canonical_abi_realloc"))) void* spindle_abi_realloc(                 \
      void* ptr, size_t orig_size, size_t align, size_t new_size) {                                \
    return spindle__abi_realloc(ptr, orig_size, align, new_size);                                  \
  }                                                                                                \
  __attribute__((export_name("canonical_abi_free"))) void spindle_abi_free(void* ptr, size_t size, \
                                                                           size_t align) {         \
    spindle__abi_free(ptr, size, align);                                                           \
  }                                                                                                \
  __attribute__((export_name("handle-http-request"))) int32_t spindle_abi_handle(                  \
      int32_t method, int32_t uri_ptr, int32_t uri_len, int32_t hdrs_ptr, int32_t hdrs_len,        \
      int32_t params_ptr, int32_t params_len, int32_t body_is_some, int32_t body_ptr,              \
      int32_t body_len) {                                                                          \
    static uint8_t ret[28] __attribute__((aligned(4)));                                            \
    return spindle__abi_handle(fn, ret, method, uri_ptr, uri_len, hdrs_ptr, hdrs_len, params_ptr,  \
                               params_len, body_is_some, body_ptr, body_len);                      \
  }

#endif /* SPINDLE_WASI_HTTP */

#ifdef __cplusplus
}
#endif

#endif /* SPINDLE_HTTP_H */

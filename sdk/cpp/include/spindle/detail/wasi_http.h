/* The wasi:http 0.2 glue behind SPINDLE_HTTP_COMPONENT and
 * SPINDLE_HTTP_COMPONENT_C when a component is compiled with
 * -DSPINDLE_WASI_HTTP (C11 and C++; guest code never uses it directly).
 *
 * No bindings generator: each import is the core-wasm lowering of one
 * function of wasi:http/types or wasi:io (module = the interface with its
 * version, name = the function's mangled name), as the Canonical ABI defines
 * it. Resources are i32 handles; results that flatten to more than one value
 * come back through a return area passed as the last argument; lists and
 * strings the host returns are allocated through the exported cabi_realloc
 * and belong to the guest. sdk/cpp/wit/world.wit is the world these imports
 * belong to; tools/componentize.mjs embeds it and adds the WASI preview 1
 * adapter. tests/guests/http_component/http_component.c is the same ABI by
 * hand, with more of it. */
#ifndef SPINDLE_DETAIL_WASI_HTTP_H
#define SPINDLE_DETAIL_WASI_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The WASI version of the imports and of the export; the host serves any
 * 0.2.x. It must match the world componentize.mjs embeds (jco's 0.2.12 WIT). */
#define SPINDLE_WASI_HTTP_VERSION "0.2.12"
#define SPINDLE_WASI_HTTP_HANDLE_EXPORT \
  "wasi:http/incoming-handler@" SPINDLE_WASI_HTTP_VERSION "#handle"

#define SPINDLE__HTTP(name) \
  __attribute__((import_module("wasi:http/types@" SPINDLE_WASI_HTTP_VERSION), import_name(name)))
#define SPINDLE__STREAMS(name) \
  __attribute__((import_module("wasi:io/streams@" SPINDLE_WASI_HTTP_VERSION), import_name(name)))

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t spindle__handle;

/* wasi:http/types */
SPINDLE__HTTP("[method]incoming-request.method")
void spindle__wasi_request_method(spindle__handle self, void* ret);
SPINDLE__HTTP("[method]incoming-request.path-with-query")
void spindle__wasi_request_path(spindle__handle self, void* ret);
SPINDLE__HTTP("[method]incoming-request.headers")
spindle__handle spindle__wasi_request_headers(spindle__handle self);
SPINDLE__HTTP("[method]incoming-request.consume")
void spindle__wasi_request_consume(spindle__handle self, void* ret);
SPINDLE__HTTP("[resource-drop]incoming-request")
void spindle__wasi_drop_incoming_request(spindle__handle self);
SPINDLE__HTTP("[constructor]fields") spindle__handle spindle__wasi_fields_new(void);
SPINDLE__HTTP("[method]fields.entries")
void spindle__wasi_fields_entries(spindle__handle self, void* ret);
SPINDLE__HTTP("[method]fields.append")
void spindle__wasi_fields_append(spindle__handle self, const char* name, size_t name_len,
                                 const void* value, size_t value_len, void* ret);
SPINDLE__HTTP("[resource-drop]fields") void spindle__wasi_drop_fields(spindle__handle self);
SPINDLE__HTTP("[method]incoming-body.stream")
void spindle__wasi_incoming_body_stream(spindle__handle self, void* ret);
SPINDLE__HTTP("[resource-drop]incoming-body")
void spindle__wasi_drop_incoming_body(spindle__handle self);
SPINDLE__HTTP("[constructor]outgoing-response")
spindle__handle spindle__wasi_outgoing_response_new(spindle__handle headers);
SPINDLE__HTTP("[method]outgoing-response.set-status-code")
int32_t spindle__wasi_outgoing_response_set_status(spindle__handle self, int32_t status);
SPINDLE__HTTP("[method]outgoing-response.body")
void spindle__wasi_outgoing_response_body(spindle__handle self, void* ret);
SPINDLE__HTTP("[resource-drop]outgoing-response")
void spindle__wasi_drop_outgoing_response(spindle__handle self);
SPINDLE__HTTP("[method]outgoing-body.write")
void spindle__wasi_outgoing_body_write(spindle__handle self, void* ret);
SPINDLE__HTTP("[static]outgoing-body.finish")
void spindle__wasi_outgoing_body_finish(spindle__handle self, int32_t trailers_is_some,
                                        spindle__handle trailers, void* ret);
/* set(param, response: result<outgoing-response, error-code>): the result
 * flattens to its tag and the join of own<outgoing-response> (i32) and
 * error-code's flattening (i32 case, then i32 i64 i32 i32 i32 i32). */
SPINDLE__HTTP("[static]response-outparam.set")
void spindle__wasi_response_outparam_set(spindle__handle param, int32_t is_err, int32_t v0,
                                         int32_t v1, int64_t v2, int32_t v3, int32_t v4, int32_t v5,
                                         int32_t v6);
/* wasi:io/streams, wasi:io/error */
SPINDLE__STREAMS("[method]input-stream.blocking-read")
void spindle__wasi_blocking_read(spindle__handle self, int64_t len, void* ret);
SPINDLE__STREAMS("[resource-drop]input-stream")
void spindle__wasi_drop_input_stream(spindle__handle self);
SPINDLE__STREAMS("[method]output-stream.blocking-write-and-flush")
void spindle__wasi_blocking_write_and_flush(spindle__handle self, const void* data, size_t len,
                                            void* ret);
SPINDLE__STREAMS("[resource-drop]output-stream")
void spindle__wasi_drop_output_stream(spindle__handle self);
__attribute__((import_module("wasi:io/error@" SPINDLE_WASI_HTTP_VERSION),
               import_name("[resource-drop]error"))) void
spindle__wasi_drop_io_error(spindle__handle self);

/* A return area (on the caller's stack, in linear memory), large enough and
 * aligned for every result above. */
typedef struct spindle__wasi_ret {
  __attribute__((aligned(8))) uint8_t b[32];
} spindle__wasi_ret;

static inline uint32_t spindle__wasi_u32(const spindle__wasi_ret* r, size_t off) {
  uint32_t v;
  memcpy(&v, r->b + off, sizeof v);
  return v;
}
static inline void* spindle__wasi_ptr(const spindle__wasi_ret* r, size_t off) {
  return (void*)(uintptr_t)spindle__wasi_u32(r, off);
}

static inline void spindle__wasi_log(const char* s, size_t n) {
  while (n) {
    ssize_t w = write(2, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static inline void* spindle__wasi_alloc(void* p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    static const char msg[] = "spindle: out of memory (wasi:http glue)\n";
    spindle__wasi_log(msg, sizeof msg - 1);
    __builtin_trap(); /* the host answers 500 */
  }
  return p;
}

/* cabi_realloc: the host calls it with (0, 0, align, size) for each string
 * and list it returns; malloc aligns to 16, enough for every align here. */
static inline void* spindle__wasi_realloc(void* ptr, size_t old_size, size_t align,
                                          size_t new_size) {
  if (new_size == 0) {
    if (old_size) free(ptr);
    return (void*)align; /* non-null, never dereferenced or freed */
  }
  return spindle__wasi_alloc(old_size ? ptr : NULL, new_size);
}

/* A stream-error at `off` of the return area: last-operation-failed(own<error>)
 * (case 0) owns an error resource; closed (case 1) owns nothing. */
static inline int spindle__wasi_stream_failed(const spindle__wasi_ret* r, size_t off) {
  if (r->b[off] != 0) return 0;
  spindle__wasi_drop_io_error((spindle__handle)spindle__wasi_u32(r, off + 4));
  return 1;
}

/* One (name, value) entry of fields.entries: list<tuple<string, list<u8>>>
 * elements are 16 bytes on wasm32, the layout of spindle_header. Names are
 * lower case (the host lowercases them). */
typedef struct spindle__wasi_entry {
  const char* name;
  size_t name_len;
  const char* value;
  size_t value_len;
} spindle__wasi_entry;

/* What the glue read of an incoming-request. Every pointer is a malloc'ed
 * block of the guest's (NULL or a dangling non-null pointer when its length
 * is 0); spindle__wasi_request_free releases what is still set. */
typedef struct spindle__wasi_request {
  int method; /* the SDK's order: GET POST PUT DELETE PATCH HEAD OPTIONS; -1 another */
  const char* method_name;
  size_t method_name_len;
  char* method_other; /* other(string)'s block */
  char* uri;          /* path-with-query; "/" when the request has none */
  size_t uri_len;
  spindle__wasi_entry* headers;
  size_t header_count;
  char* body; /* the whole body */
  size_t body_len;
  int body_failed; /* the body stream failed (e.g. the client went away) */
} spindle__wasi_request;

/* wasi:http's method variant { get, head, post, put, delete, connect,
 * options, trace, patch, other(string) }: its case at 0, other's string at
 * 4 / 8. */
static inline void spindle__wasi_read_method(spindle__handle req, spindle__wasi_request* r) {
  static const char* const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  static const signed char sdk_order[] = {0, 5, 1, 2, 3, -1, 6, -1, 4};
  spindle__wasi_ret ret;
  spindle__wasi_request_method(req, &ret);
  uint8_t tag = ret.b[0];
  if (tag < 9) {
    r->method = sdk_order[tag];
    r->method_name = names[tag];
    r->method_name_len = strlen(names[tag]);
  } else {
    r->method = -1;
    r->method_other = (char*)spindle__wasi_ptr(&ret, 4);
    r->method_name = r->method_other;
    r->method_name_len = spindle__wasi_u32(&ret, 8);
  }
}

static inline size_t spindle__wasi_content_length(const spindle__wasi_request* r) {
  for (size_t i = 0; i < r->header_count; ++i) {
    const spindle__wasi_entry* e = &r->headers[i];
    if (e->name_len != 14 || memcmp(e->name, "content-length", 14) != 0) continue;
    size_t n = 0;
    for (size_t k = 0; k < e->value_len && k < 10; ++k) {
      if (e->value[k] < '0' || e->value[k] > '9') return 0;
      n = n * 10 + (size_t)(e->value[k] - '0');
    }
    return n;
  }
  return 0;
}

/* consume -> incoming-body.stream -> blocking-read until the stream is
 * closed. The first piece's block becomes the body (a body read in one piece
 * is never copied); with a content-length, the block grows to it once. */
static inline void spindle__wasi_read_body(spindle__handle req, spindle__wasi_request* r) {
  spindle__wasi_ret ret;
  size_t hint = spindle__wasi_content_length(r), cap = 0;
  if (hint > ((size_t)64 << 20)) hint = (size_t)64 << 20; /* a hint, not a promise */
  spindle__wasi_request_consume(req, &ret);               /* result<incoming-body> */
  if (ret.b[0] != 0) return;                              /* no body */
  spindle__handle body = (spindle__handle)spindle__wasi_u32(&ret, 4);
  spindle__wasi_incoming_body_stream(body, &ret); /* result<input-stream> */
  if (ret.b[0] != 0) {
    spindle__wasi_drop_incoming_body(body);
    return;
  }
  spindle__handle stream = (spindle__handle)spindle__wasi_u32(&ret, 4);
  for (;;) {
    /* result<list<u8>, stream-error>: ok's list at 4 / 8, err at 4 */
    spindle__wasi_blocking_read(stream, 256 * 1024, &ret);
    if (ret.b[0] != 0) {
      r->body_failed = spindle__wasi_stream_failed(&ret, 4);
      break;
    }
    char* piece = (char*)spindle__wasi_ptr(&ret, 4);
    size_t n = spindle__wasi_u32(&ret, 8);
    if (n == 0) continue; /* an empty list: no block */
    if (!r->body) {
      r->body = piece;
      r->body_len = cap = n;
      if (hint > cap) r->body = (char*)spindle__wasi_alloc(r->body, cap = hint);
      continue;
    }
    if (r->body_len + n > cap) {
      cap = cap * 2 > r->body_len + n ? cap * 2 : r->body_len + n;
      r->body = (char*)spindle__wasi_alloc(r->body, cap);
    }
    memcpy(r->body + r->body_len, piece, n);
    r->body_len += n;
    free(piece);
  }
  spindle__wasi_drop_input_stream(stream); /* a child of the body: dropped first */
  spindle__wasi_drop_incoming_body(body);
}

/* Reads the method, path-with-query, headers and the whole body, then drops
 * the request. */
static inline void spindle__wasi_read_request(spindle__handle req, spindle__wasi_request* r) {
  spindle__wasi_ret ret;
  memset(r, 0, sizeof *r);
  spindle__wasi_read_method(req, r);
  spindle__wasi_request_path(req, &ret); /* option<string>: tag at 0, string at 4 / 8 */
  if (ret.b[0] != 0) {
    r->uri = (char*)spindle__wasi_ptr(&ret, 4);
    r->uri_len = spindle__wasi_u32(&ret, 8);
  }
  if (r->uri_len == 0) {
    r->uri = (char*)spindle__wasi_alloc(NULL, 1);
    r->uri[0] = '/';
    r->uri_len = 1;
  }
  spindle__handle headers = spindle__wasi_request_headers(req);
  spindle__wasi_fields_entries(headers, &ret); /* list at 0 / 4 */
  r->headers = (spindle__wasi_entry*)spindle__wasi_ptr(&ret, 0);
  r->header_count = spindle__wasi_u32(&ret, 4);
  spindle__wasi_drop_fields(headers); /* a child of the request: dropped before it */
  spindle__wasi_read_body(req, r);
  spindle__wasi_drop_incoming_request(req);
}

static inline void spindle__wasi_request_free(spindle__wasi_request* r) {
  for (size_t i = 0; i < r->header_count; ++i) {
    if (r->headers[i].name_len) free((void*)r->headers[i].name);
    if (r->headers[i].value_len) free((void*)r->headers[i].value);
  }
  if (r->header_count) free(r->headers);
  if (r->method_name_len && r->method_other) free(r->method_other);
  free(r->uri);
  free(r->body);
  memset(r, 0, sizeof *r);
}

/* Adds a response header; a name or value the host refuses (header-error:
 * invalid-syntax, forbidden) is left out, with a line on stderr. */
static inline void spindle__wasi_add_header(spindle__handle fields, const char* name,
                                            size_t name_len, const char* value, size_t value_len) {
  static const char* const why[] = {"invalid-syntax", "forbidden", "immutable"};
  spindle__wasi_ret ret;
  spindle__wasi_fields_append(fields, name, name_len, value, value_len, &ret);
  if (ret.b[0] == 0) return; /* result<_, header-error>: case at 1 */
  static const char a[] = "spindle: response header `", b[] = "` left out: ";
  spindle__wasi_log(a, sizeof a - 1);
  spindle__wasi_log(name, name_len);
  spindle__wasi_log(b, sizeof b - 1);
  const char* w = ret.b[1] < 3 ? why[ret.b[1]] : "header-error";
  spindle__wasi_log(w, strlen(w));
  spindle__wasi_log("\n", 1);
}

/* Sends the response: status (outside 100..599: 500) and `fields`, then
 * response-outparam.set(ok(response)) before the body is written (a host may
 * send the body only once the response is set), the body in pieces of at
 * most 4096 bytes (blocking-write-and-flush's limit), the stream dropped and
 * the body finished. Takes `fields`. */
static inline void spindle__wasi_send(spindle__handle out, spindle__handle fields, unsigned status,
                                      const char* body, size_t body_len) {
  spindle__wasi_ret ret;
  spindle__handle response = spindle__wasi_outgoing_response_new(fields);
  if (status < 100 || status > 599) status = 500;
  spindle__wasi_outgoing_response_set_status(response, (int32_t)status);
  spindle__wasi_outgoing_response_body(response, &ret); /* result<outgoing-body> */
  if (ret.b[0] != 0) {
    spindle__wasi_drop_outgoing_response(response);
    /* err(internal-error(none)): error-code case 38 */
    spindle__wasi_response_outparam_set(out, 1, 38, 0, 0, 0, 0, 0, 0);
    return;
  }
  spindle__handle out_body = (spindle__handle)spindle__wasi_u32(&ret, 4);
  spindle__wasi_response_outparam_set(out, 0, response, 0, 0, 0, 0, 0, 0); /* takes both */
  spindle__wasi_outgoing_body_write(out_body, &ret); /* result<output-stream> */
  if (ret.b[0] == 0) {
    spindle__handle stream = (spindle__handle)spindle__wasi_u32(&ret, 4);
    for (size_t done = 0; done < body_len;) {
      size_t n = body_len - done < 4096 ? body_len - done : 4096;
      spindle__wasi_blocking_write_and_flush(stream, body + done, n, &ret);
      if (ret.b[0] != 0) { /* result<_, stream-error>: the client went away */
        spindle__wasi_stream_failed(&ret, 4);
        break;
      }
      done += n;
    }
    spindle__wasi_drop_output_stream(stream); /* a child of the body: dropped first */
  }
  spindle__wasi_outgoing_body_finish(out_body, 0, 0, &ret); /* no trailers */
}

/* 405 for a method the SDK's Request cannot carry (CONNECT, TRACE, others),
 * as spindle answers it for a Spin 1 module. */
static inline void spindle__wasi_send_unsupported_method(spindle__handle out,
                                                         const spindle__wasi_request* r) {
  static const char a[] = "method ", b[] = " is not supported by the spindle SDK\n";
  size_t n = sizeof a - 1 + r->method_name_len + sizeof b - 1;
  char* text = (char*)spindle__wasi_alloc(NULL, n);
  memcpy(text, a, sizeof a - 1);
  memcpy(text + sizeof a - 1, r->method_name, r->method_name_len);
  memcpy(text + sizeof a - 1 + r->method_name_len, b, sizeof b - 1);
  spindle__handle fields = spindle__wasi_fields_new();
  spindle__wasi_add_header(fields, "content-type", 12, "text/plain", 10);
  spindle__wasi_send(out, fields, 405, text, n);
  free(text);
}

#ifdef __cplusplus
}
#endif

#endif /* SPINDLE_DETAIL_WASI_HTTP_H */

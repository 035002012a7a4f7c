// A wasi:http 0.2 incoming handler written in C against the Canonical ABI by
// hand: no bindings generator. Every import below is the core-wasm lowering
// of one function of wasi:http/types or wasi:io (module = interface name with
// its version, name = the function's mangled name); results that flatten to
// more than one value come back through a return area the guest passes as the
// last argument. Lists and strings the host returns are allocated through the
// exported `cabi_realloc` and freed here. world.wit is the world.
//
//   GET /hello      200 text/plain "hello from C\n"
//   /echo           200, the request body back, x-method, x-path and the
//                   request's content-type (default application/octet-stream)
//   /status/<n>     status n (200..599), body "status <n>\n"
//   /stream?n=N&ms=M  200, N lines "chunk <i>\n" with M ms between them (the
//                   guest waits on a monotonic-clock pollable), then the
//                   trailer x-chunks: N; with &trap=1 it traps after the first
//   /big?kb=K       200, K KiB of "0123456789abcdef" lines, written at once
//   /bad/handle     sets the response with a handle it never had (a trap)
//   /bad/dropped    appends to headers it dropped (a dangling handle: a trap)
//   /bad/string     a header name pointer past the end of memory (a trap)
//   /pipe           200, the request body back as it arrives: each piece
//                   read is written before the next is read (the response
//                   is set first); the request's trailers become the
//                   response's
//   /count          200, "<n> bytes\n": the body read and dropped as it comes
//   /ignore         200, "ignored\n" without reading the body
//   /fetch?port=P&path=X[&first_byte_ms=N][&between_bytes_ms=N][&connect_ms=N][&body=B]
//                   GET http://127.0.0.1:P/X through outgoing-handler with
//                   those request-options (with body=B: a POST whose body B
//                   is written after handle, as the Rust SDK does); 200
//                   "status <s>\n<body>", or 502 "error-code <case>\n"
//   anything else   404 "not found\n"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t handle;

#define HTTP(name) __attribute__((import_module("wasi:http/types@0.2.12"), import_name(name)))
#define STREAMS(name) __attribute__((import_module("wasi:io/streams@0.2.12"), import_name(name)))
#define IO_ERROR(name) __attribute__((import_module("wasi:io/error@0.2.12"), import_name(name)))

// wasi:http/types: incoming-request
HTTP("[method]incoming-request.method") void request_method(handle self, void* ret);
HTTP("[method]incoming-request.path-with-query") void request_path(handle self, void* ret);
HTTP("[method]incoming-request.headers") handle request_headers(handle self);
HTTP("[method]incoming-request.consume") void request_consume(handle self, void* ret);
HTTP("[resource-drop]incoming-request") void drop_incoming_request(handle self);
// fields (headers)
HTTP("[constructor]fields") handle fields_new(void);
HTTP("[method]fields.entries") void fields_entries(handle self, void* ret);
HTTP("[method]fields.append")
void fields_append(handle self, const char* name, size_t name_len, const void* value,
                   size_t value_len, void* ret);
HTTP("[resource-drop]fields") void drop_fields(handle self);
// incoming-body
HTTP("[method]incoming-body.stream") void incoming_body_stream(handle self, void* ret);
HTTP("[resource-drop]incoming-body") void drop_incoming_body(handle self);
HTTP("[static]incoming-body.finish") handle incoming_body_finish(handle self);
HTTP("[method]future-trailers.subscribe") handle future_trailers_subscribe(handle self);
HTTP("[method]future-trailers.get") void future_trailers_get(handle self, void* ret);
HTTP("[resource-drop]future-trailers") void drop_future_trailers(handle self);
// outgoing-response, outgoing-body, response-outparam
HTTP("[constructor]outgoing-response") handle outgoing_response_new(handle headers);
HTTP("[method]outgoing-response.set-status-code")
int32_t outgoing_response_set_status(handle self, int32_t status);
HTTP("[method]outgoing-response.body") void outgoing_response_body(handle self, void* ret);
HTTP("[resource-drop]outgoing-response") void drop_outgoing_response(handle self);
HTTP("[method]outgoing-body.write") void outgoing_body_write(handle self, void* ret);
HTTP("[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t trailers_is_some, handle trailers, void* ret);
// set(param: response-outparam, response: result<outgoing-response, error-code>):
// the result flattens to its tag plus the join of own<outgoing-response> (i32)
// and error-code's flattening (i32 discriminant, then i32 i64 i32 i32 i32 i32).
HTTP("[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);
// outgoing requests (wasi:http/outgoing-handler)
HTTP("[constructor]outgoing-request") handle outgoing_request_new(handle headers);
// option<scheme>: is_some, the scheme's case (0 HTTP), other's string
HTTP("[method]outgoing-request.set-scheme")
int32_t outgoing_request_set_scheme(handle self, int32_t is_some, int32_t tag, const char* other,
                                    size_t other_len);
HTTP("[method]outgoing-request.set-method")
int32_t outgoing_request_set_method(handle self, int32_t tag, const char* other, size_t len);
HTTP("[method]outgoing-request.body") void outgoing_request_body(handle self, void* ret);
HTTP("[method]outgoing-request.set-authority")
int32_t outgoing_request_set_authority(handle self, int32_t is_some, const char* s, size_t len);
HTTP("[method]outgoing-request.set-path-with-query")
int32_t outgoing_request_set_path(handle self, int32_t is_some, const char* s, size_t len);
HTTP("[constructor]request-options") handle request_options_new(void);
HTTP("[method]request-options.set-connect-timeout")
int32_t options_set_connect(handle self, int32_t is_some, int64_t ns);
HTTP("[method]request-options.set-first-byte-timeout")
int32_t options_set_first_byte(handle self, int32_t is_some, int64_t ns);
HTTP("[method]request-options.set-between-bytes-timeout")
int32_t options_set_between_bytes(handle self, int32_t is_some, int64_t ns);
HTTP("[method]future-incoming-response.subscribe") handle future_response_subscribe(handle self);
HTTP("[method]future-incoming-response.get") void future_response_get(handle self, void* ret);
HTTP("[resource-drop]future-incoming-response") void drop_future_response(handle self);
HTTP("[method]incoming-response.status") int32_t incoming_response_status(handle self);
HTTP("[method]incoming-response.consume") void incoming_response_consume(handle self, void* ret);
HTTP("[resource-drop]incoming-response") void drop_incoming_response(handle self);
// handle(request, option<request-options>) -> result<future-incoming-response,
// error-code>: tag at 0, the future's handle or error-code's case at 8.
__attribute__((import_module("wasi:http/outgoing-handler@0.2.12"), import_name("handle"))) void
outgoing_handle(handle request, int32_t options_is_some, handle options, void* ret);
// wasi:io
STREAMS("[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void* ret);
STREAMS("[resource-drop]input-stream") void drop_input_stream(handle self);
STREAMS("[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(handle self, const void* data, size_t len, void* ret);
STREAMS("[resource-drop]output-stream") void drop_output_stream(handle self);
IO_ERROR("[resource-drop]error") void drop_io_error(handle self);
__attribute__((import_module("wasi:clocks/monotonic-clock@0.2.12"),
               import_name("subscribe-duration"))) handle
subscribe_duration(int64_t nanoseconds);
__attribute__((import_module("wasi:io/poll@0.2.12"), import_name("[method]pollable.block"))) void
pollable_block(handle self);
__attribute__((import_module("wasi:io/poll@0.2.12"), import_name("[resource-drop]pollable"))) void
drop_pollable(handle self);

// Host-allocated strings and lists land here (the canonical ABI's realloc).
__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* ptr, size_t old_size,
                                                                size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void*)align;  // never dereferenced
  void* p = realloc(ptr, new_size);        // malloc aligns to 16: enough for any align here
  if (!p) abort();
  return p;
}

// One return area, reused by every call (results are read before the next
// call). 8-aligned and larger than result<_, error-code> (the biggest here).
static _Alignas(8) uint8_t ret[64];

static uint8_t u8_at(size_t off) { return ret[off]; }
static uint32_t u32_at(size_t off) {
  uint32_t v;
  memcpy(&v, ret + off, sizeof v);
  return v;
}

typedef struct {
  char* data;
  size_t len, cap;
} buffer;

static void buffer_append(buffer* b, const void* data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) abort();
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

// A NUL-terminated copy of `len` bytes at guest address `addr`.
static char* copy_string(uint32_t addr, size_t len) {
  char* s = malloc(len + 1);
  if (!s) abort();
  if (len) memcpy(s, (const void*)(uintptr_t)addr, len);
  s[len] = 0;
  return s;
}

// A stream-error sits in the return area at `off`: drop the error resource
// of last-operation-failed(own<error>) (case 0); closed (case 1) owns nothing.
static void drop_stream_error(size_t off) {
  if (u8_at(off) == 0) drop_io_error((handle)u32_at(off + 4));
}

// variant method { get, head, post, put, delete, connect, options, trace,
// patch, other(string) }: discriminant at 0, other's string at 4 / 8.
static char* read_method(handle req) {
  static const char* const names[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  request_method(req, ret);
  uint8_t tag = u8_at(0);
  if (tag < sizeof names / sizeof names[0])
    return copy_string((uintptr_t)names[tag], strlen(names[tag]));
  char* s = copy_string(u32_at(4), u32_at(8));
  free((void*)(uintptr_t)u32_at(4));
  return s;
}

// option<string>: tag at 0, string at 4 / 8.
static char* read_path(handle req) {
  request_path(req, ret);
  if (u8_at(0) == 0) return copy_string((uintptr_t) "/", 1);
  char* s = copy_string(u32_at(4), u32_at(8));
  free((void*)(uintptr_t)u32_at(4));
  return s;
}

static int equals_ignore_case(const char* a, size_t a_len, const char* b) {
  if (a_len != strlen(b)) return 0;
  for (size_t i = 0; i < a_len; ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (x != y) return 0;
  }
  return 1;
}

// fields.entries() -> list<tuple<string, list<u8>>>: list at 0 / 4, each
// element 16 bytes (name ptr, name len, value ptr, value len). Returns the
// value of `wanted` (lowercase), or NULL; frees everything the host gave.
static char* read_header(handle req, const char* wanted) {
  handle headers = request_headers(req);
  fields_entries(headers, ret);
  uint32_t* list = (uint32_t*)(uintptr_t)u32_at(0);
  size_t n = u32_at(4);
  char* found = NULL;
  for (size_t i = 0; i < n; ++i) {
    uint32_t* e = list + 4 * i;
    const char* name = (const char*)(uintptr_t)e[0];
    if (!found && equals_ignore_case(name, e[1], wanted)) found = copy_string(e[2], e[3]);
    free((void*)(uintptr_t)e[0]);
    free((void*)(uintptr_t)e[2]);
  }
  free(list);
  drop_fields(headers);  // a child of the request: dropped before it
  return found;
}

// The whole request body: consume -> incoming-body.stream -> blocking-read
// until the stream reports closed. Returns 0 when reading failed.
static int read_body(handle req, buffer* body) {
  request_consume(req, ret);  // result<incoming-body>: tag at 0, handle at 4
  if (u8_at(0) != 0) return 0;
  handle in_body = (handle)u32_at(4);
  incoming_body_stream(in_body, ret);  // result<input-stream>
  if (u8_at(0) != 0) {
    drop_incoming_body(in_body);
    return 0;
  }
  handle stream = (handle)u32_at(4);
  int ok = 1;
  for (;;) {
    // result<list<u8>, stream-error>: tag at 0; ok: list at 4 / 8; err at 4
    input_stream_blocking_read(stream, 64 * 1024, ret);
    if (u8_at(0) == 0) {
      void* data = (void*)(uintptr_t)u32_at(4);
      buffer_append(body, data, u32_at(8));
      free(data);
      continue;
    }
    if (u8_at(4) == 0) ok = 0;  // last-operation-failed, else closed: the end
    drop_stream_error(4);
    break;
  }
  drop_input_stream(stream);  // a child of the body: dropped first
  drop_incoming_body(in_body);
  return ok;
}

typedef struct {
  const char* name;
  const char* value;
} header;

// Sends the response: headers, status, then response-outparam.set with
// ok(response) before the body is written (a host may stream the body only
// once the response is set, and blocking writes of a large body would wait
// for it), the body in chunks of at most 4096 bytes, the stream dropped and
// the body finished.
static void respond(handle out, int status, const header* headers, size_t n_headers,
                    const char* body, size_t body_len) {
  handle fields = fields_new();
  for (size_t i = 0; i < n_headers; ++i) {
    // result<_, header-error>: tag at 0 (an invalid header is left out)
    fields_append(fields, headers[i].name, strlen(headers[i].name), headers[i].value,
                  strlen(headers[i].value), ret);
  }
  handle response = outgoing_response_new(fields);  // takes the fields
  if (outgoing_response_set_status(response, status) != 0)
    outgoing_response_set_status(response, 500);
  outgoing_response_body(response, ret);  // result<outgoing-body>
  if (u8_at(0) != 0) {
    drop_outgoing_response(response);
    // err(internal-error(none)): error-code case 38, its option<string> none
    response_outparam_set(out, 1, 38, 0, 0, 0, 0, 0, 0);
    return;
  }
  handle out_body = (handle)u32_at(4);
  response_outparam_set(out, 0, response, 0, 0, 0, 0, 0, 0);  // takes both
  outgoing_body_write(out_body, ret);                         // result<output-stream>
  if (u8_at(0) == 0) {
    handle stream = (handle)u32_at(4);
    for (size_t done = 0; done < body_len;) {
      size_t n = body_len - done < 4096 ? body_len - done : 4096;
      // result<_, stream-error>: tag at 0, stream-error at 4
      output_stream_blocking_write_and_flush(stream, body + done, n, ret);
      if (u8_at(0) != 0) {
        drop_stream_error(4);
        break;
      }
      done += n;
    }
    drop_output_stream(stream);  // a child of the body: dropped before finish
  }
  // finish(this, trailers: none) -> result<_, error-code>
  outgoing_body_finish(out_body, 0, 0, ret);
}

static void sleep_ms(int ms) {
  handle p = subscribe_duration((int64_t)ms * 1000000);
  pollable_block(p);
  drop_pollable(p);
}

// The value of `key` in the query ("?n=3&ms=10"), or `fallback`.
static int query_int(const char* path, const char* key, int fallback) {
  const char* q = strchr(path, '?');
  size_t n = strlen(key);
  while (q) {
    ++q;
    if (strncmp(q, key, n) == 0 && q[n] == '=') return atoi(q + n + 1);
    q = strchr(q, '&');
  }
  return fallback;
}

// Sets a 200 response with `content_type` (response-outparam.set before
// any body is written) and returns its body's output stream; *out_body: the
// body, to finish once the stream is dropped.
static handle start_response(handle out, const char* content_type, handle* out_body) {
  handle fields = fields_new();
  fields_append(fields, "content-type", 12, content_type, strlen(content_type), ret);
  handle response = outgoing_response_new(fields);
  outgoing_response_body(response, ret);
  *out_body = (handle)u32_at(4);
  response_outparam_set(out, 0, response, 0, 0, 0, 0, 0, 0);
  outgoing_body_write(*out_body, ret);
  return (handle)u32_at(4);
}

// A response whose body is written piece by piece: `chunks` pieces from
// `piece(i, buf)` (at most 4096 bytes each), `ms` milliseconds apart; the
// trailer x-chunks when `trailer`; a trap after the first piece when `trap`.
static void respond_pieces(handle out, int chunks, int ms, int trailer, int trap,
                           size_t (*piece)(int i, char* buf)) {
  handle out_body;
  handle stream = start_response(out, "text/plain", &out_body);
  char buf[4096];
  for (int i = 0; i < chunks; ++i) {
    if (i > 0 && ms > 0) sleep_ms(ms);
    output_stream_blocking_write_and_flush(stream, buf, piece(i, buf), ret);
    if (u8_at(0) != 0) {
      drop_stream_error(4);
      break;
    }
    if (trap) {
      sleep_ms(ms);
      __builtin_trap();
    }
  }
  drop_output_stream(stream);
  handle trailers = 0;
  if (trailer) {
    char count[12];
    size_t len = 0;
    for (int v = chunks; len == 0 || v > 0; v /= 10) count[len++] = (char)('0' + v % 10);
    for (size_t i = 0; i < len / 2; ++i) {
      char c = count[i];
      count[i] = count[len - 1 - i];
      count[len - 1 - i] = c;
    }
    trailers = fields_new();
    fields_append(trailers, "x-chunks", 8, count, len, ret);
  }
  outgoing_body_finish(out_body, trailer, trailers, ret);
}

static size_t chunk_line(int i, char* buf) {
  char digits[12];
  size_t len = 0;
  for (int v = i; len == 0 || v > 0; v /= 10) digits[len++] = (char)('0' + v % 10);
  size_t n = 0;
  memcpy(buf, "chunk ", 6);
  n = 6;
  while (len) buf[n++] = digits[--len];
  buf[n++] = '\n';
  return n;
}

static size_t hex_lines(int i, char* buf) {
  (void)i;
  for (size_t k = 0; k < 4096; k += 16) memcpy(buf + k, "0123456789abcde\n", 16);
  return 4096;
}

static size_t format_uint(uint64_t v, char* buf) {
  char digits[24];
  size_t len = 0;
  for (; len == 0 || v > 0; v /= 10) digits[len++] = (char)('0' + v % 10);
  for (size_t i = 0; i < len; ++i) buf[i] = digits[len - 1 - i];
  return len;
}

// The request's body stream (consume -> incoming-body.stream); 0 when
// unavailable. *in_body: the body, to finish or drop after the stream.
static handle body_stream(handle req, handle* in_body) {
  request_consume(req, ret);
  if (u8_at(0) != 0) return 0;
  *in_body = (handle)u32_at(4);
  incoming_body_stream(*in_body, ret);
  if (u8_at(0) != 0) {
    drop_incoming_body(*in_body);
    return 0;
  }
  return (handle)u32_at(4);
}

// The next piece of `stream` (blocking-read of up to 64 KiB), malloc'd into
// *data; returns its length, or -1 at the end (*failed set when the stream
// failed rather than closed).
static long next_piece(handle stream, void** data, int* failed) {
  input_stream_blocking_read(stream, 64 * 1024, ret);
  if (u8_at(0) == 0) {
    *data = (void*)(uintptr_t)u32_at(4);
    return (long)u32_at(8);
  }
  if (u8_at(4) == 0) *failed = 1;
  drop_stream_error(4);
  return -1;
}

// incoming-body.finish: waits for the future-trailers and returns the
// client's trailers (a fields handle), or 0 when it sent none.
// future-trailers.get: option (tag at 0) of result (tag at 8) of
// result<option<trailers>, error-code> (tag at 16), option<trailers> tag at
// 24, handle at 28.
static handle finish_body(handle in_body) {
  handle future = incoming_body_finish(in_body);
  handle ready = future_trailers_subscribe(future);
  pollable_block(ready);
  drop_pollable(ready);
  future_trailers_get(future, ret);
  handle trailers = 0;
  if (u8_at(0) == 1 && u8_at(8) == 0 && u8_at(16) == 0 && u8_at(24) == 1)
    trailers = (handle)u32_at(28);
  drop_future_trailers(future);
  return trailers;
}

// /pipe: the response is set first; each piece read is written back before
// the next is read; the request's trailers are the response's.
static void pipe_body(handle req, handle out) {
  handle in_body = 0;
  handle in = body_stream(req, &in_body);
  handle out_body;
  handle stream = start_response(out, "application/octet-stream", &out_body);
  int failed = 0;
  void* data;
  long n;
  while (in && (n = next_piece(in, &data, &failed)) >= 0) {
    for (long done = 0; done < n;) {
      long k = n - done < 4096 ? n - done : 4096;
      output_stream_blocking_write_and_flush(stream, (char*)data + done, (size_t)k, ret);
      if (u8_at(0) != 0) drop_stream_error(4);
      done += k;
    }
    free(data);
  }
  handle trailers = 0;
  if (in) {
    drop_input_stream(in);
    trailers = failed ? (drop_incoming_body(in_body), 0) : finish_body(in_body);
  }
  drop_output_stream(stream);
  outgoing_body_finish(out_body, trailers != 0, trailers, ret);
}

// /count: the body read and dropped as it comes; answers its size.
static void count_body(handle req, handle out) {
  handle in_body = 0;
  handle in = body_stream(req, &in_body);
  uint64_t total = 0;
  int failed = !in;
  void* data;
  long n;
  while (in && (n = next_piece(in, &data, &failed)) >= 0) {
    total += (uint64_t)n;
    free(data);
  }
  if (in) {
    drop_input_stream(in);
    drop_incoming_body(in_body);
  }
  char text[40];
  size_t len = format_uint(total, text);
  memcpy(text + len, " bytes\n", 8);
  const header h[] = {{"content-type", "text/plain"}};
  respond(out, failed ? 400 : 200, h, 1, text, strlen(text));
}

static void respond_text(handle out, int status, const char* text);

// /fetch: a GET to 127.0.0.1:<port><path> with the request-options the
// query gives; answers what came back, or the error-code's case.
static void fetch(handle out, const char* query_path) {
  char authority[32] = "127.0.0.1:";
  size_t alen = strlen(authority);
  alen += format_uint((uint64_t)query_int(query_path, "port", 80), authority + alen);
  const char* p = strstr(query_path, "path=");
  char target[256] = "/";
  if (p) {
    size_t n = strcspn(p + 5, "&");
    if (n >= sizeof target) n = sizeof target - 1;
    memcpy(target, p + 5, n);
    target[n] = 0;
  }
  handle request = outgoing_request_new(fields_new());
  outgoing_request_set_scheme(request, 1, 0, 0, 0);
  outgoing_request_set_authority(request, 1, authority, alen);
  outgoing_request_set_path(request, 1, target, strlen(target));
  handle options = request_options_new();
  int ms;
  if ((ms = query_int(query_path, "connect_ms", -1)) >= 0)
    options_set_connect(options, 1, (int64_t)ms * 1000000);
  if ((ms = query_int(query_path, "first_byte_ms", -1)) >= 0)
    options_set_first_byte(options, 1, (int64_t)ms * 1000000);
  if ((ms = query_int(query_path, "between_bytes_ms", -1)) >= 0)
    options_set_between_bytes(options, 1, (int64_t)ms * 1000000);
  const char* b = strstr(query_path, "body=");
  handle out_body = 0;
  if (b) {
    outgoing_request_set_method(request, 2, 0, 0);  // post
    outgoing_request_body(request, ret);
    out_body = (handle)u32_at(4);
  }
  outgoing_handle(request, 1, options, ret);  // takes both
  char text[64];
  int sent = u8_at(0) == 0, error_case = u8_at(8);
  handle future = (handle)u32_at(8);
  if (out_body) {  // the body after handle
    outgoing_body_write(out_body, ret);
    handle stream = (handle)u32_at(4);
    output_stream_blocking_write_and_flush(stream, b + 5, strcspn(b + 5, "&"), ret);
    drop_output_stream(stream);
    outgoing_body_finish(out_body, 0, 0, ret);
  }
  if (!sent) {
    size_t n = format_uint((uint64_t)error_case, text + 11);
    memcpy(text, "error-code ", 11);
    memcpy(text + 11 + n, "\n", 2);
    respond_text(out, 502, text);
    return;
  }
  handle ready = future_response_subscribe(future);
  pollable_block(ready);
  drop_pollable(ready);
  future_response_get(future, ret);
  drop_future_response(future);
  if (u8_at(0) != 1 || u8_at(8) != 0 || u8_at(16) != 0) {
    size_t n = format_uint(u8_at(16) != 0 ? u8_at(24) : 255, text + 11);
    memcpy(text, "error-code ", 11);
    memcpy(text + 11 + n, "\n", 2);
    respond_text(out, 502, text);
    return;
  }
  handle response = (handle)u32_at(24);
  buffer body = {0};
  buffer_append(&body, "status ", 7);
  size_t n = format_uint((uint64_t)incoming_response_status(response), text);
  buffer_append(&body, text, n);
  buffer_append(&body, "\n", 1);
  incoming_response_consume(response, ret);
  if (u8_at(0) == 0) {
    handle in_body = (handle)u32_at(4);
    incoming_body_stream(in_body, ret);
    if (u8_at(0) == 0) {
      handle in = (handle)u32_at(4);
      int failed = 0;
      void* data;
      long len;
      while ((len = next_piece(in, &data, &failed)) >= 0) {
        buffer_append(&body, data, (size_t)len);
        free(data);
      }
      drop_input_stream(in);
    }
    drop_incoming_body(in_body);
  }
  drop_incoming_response(response);
  const header h[] = {{"content-type", "text/plain"}};
  respond(out, 200, h, 1, body.data, body.len);
  free(body.data);
}

static void respond_text(handle out, int status, const char* text) {
  const header h[] = {{"content-type", "text/plain"}};
  respond(out, status, h, 1, text, strlen(text));
}

static int starts_with(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

// The path without its query.
static int path_is(const char* path_with_query, const char* path) {
  size_t n = strlen(path);
  return strncmp(path_with_query, path, n) == 0 &&
         (path_with_query[n] == 0 || path_with_query[n] == '?');
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle"))) void handle_request(
    handle req, handle out) {
  char* method = read_method(req);
  char* path = read_path(req);
  // Routes that read the body as it arrives, or not at all.
  if (path_is(path, "/pipe") || path_is(path, "/count") || path_is(path, "/ignore")) {
    if (path_is(path, "/pipe")) pipe_body(req, out);
    if (path_is(path, "/count")) count_body(req, out);
    drop_incoming_request(req);
    if (path_is(path, "/ignore")) respond_text(out, 200, "ignored\n");
    free(path);
    free(method);
    return;
  }
  char* content_type = read_header(req, "content-type");
  buffer body = {0};
  int body_ok = read_body(req, &body);
  drop_incoming_request(req);

  if (!body_ok) {
    respond_text(out, 400, "could not read the body\n");
  } else if (strcmp(method, "GET") == 0 && path_is(path, "/hello")) {
    respond_text(out, 200, "hello from C\n");
  } else if (path_is(path, "/echo")) {
    const header h[] = {{"content-type", content_type ? content_type : "application/octet-stream"},
                        {"x-method", method},
                        {"x-path", path}};
    respond(out, 200, h, 3, body.data, body.len);
  } else if (path_is(path, "/bad/handle")) {
    response_outparam_set(out, 0, 12345, 0, 0, 0, 0, 0, 0);
  } else if (path_is(path, "/bad/dropped")) {
    handle fields = fields_new();
    drop_fields(fields);
    fields_append(fields, "a", 1, "b", 1, ret);
  } else if (path_is(path, "/bad/string")) {
    handle fields = fields_new();
    fields_append(fields, (const char*)(uintptr_t)0xfffffff0u, 64, "b", 1, ret);
  } else if (path_is(path, "/stream")) {
    respond_pieces(out, query_int(path, "n", 3), query_int(path, "ms", 0), 1,
                   query_int(path, "trap", 0), chunk_line);
  } else if (path_is(path, "/fetch")) {
    fetch(out, path);
  } else if (path_is(path, "/big")) {
    respond_pieces(out, query_int(path, "kb", 64) / 4, 0, 0, 0, hex_lines);
  } else if (starts_with(path, "/status/")) {
    const char* digits = path + strlen("/status/");
    int n = 0;
    size_t len = 0;
    while (digits[len] >= '0' && digits[len] <= '9' && len < 4) n = n * 10 + (digits[len++] - '0');
    if (len == 0 || (digits[len] != 0 && digits[len] != '?') || n < 200 || n > 599) {
      respond_text(out, 400, "bad status\n");
    } else {
      char text[16] = "";
      if (n != 204 && n != 304) {  // statuses without a body
        char num[4] = {(char)('0' + n / 100), (char)('0' + n / 10 % 10), (char)('0' + n % 10), 0};
        strcat(strcat(strcpy(text, "status "), num), "\n");
      }
      respond_text(out, n, text);
    }
  } else {
    respond_text(out, 404, "not found\n");
  }
  free(body.data);
  free(content_type);
  free(path);
  free(method);
}

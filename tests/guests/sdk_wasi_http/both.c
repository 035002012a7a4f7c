/* The C header's handler built twice (CMakeLists.txt): a Spin 1 module
 * (sdk_both_c_spin1.wasm) and, with -DSPINDLE_WASI_HTTP, a wasi:http
 * component (sdk_both_c_wasi.wasm); tests/integration/sdk_wasi_http_test.cpp
 * expects the same answers from both.
 *
 *   /status/<n>  (the path info) status n (3 digits), "status\n"
 *   anything     200, the body back; x-method, x-uri, x-path, x-query,
 *                x-path-info, x-matched-route, x-custom (request header
 *                "X-Custom", any case)
 */
#include <spindle/http.h>

static void add(spindle_response* res, const char* name, spindle_str value) {
  spindle_response_header_n(res, name, strlen(name), value.ptr ? value.ptr : "", value.len);
}

static void handle(const spindle_request* req, spindle_response* res) {
  spindle_str route = spindle_request_header(req, "spin-path-info");
  if (!route.ptr) route = req->path; /* outside Spin: the request path */
  if (route.len == 11 && memcmp(route.ptr, "/status/", 8) == 0) {
    const char* d = route.ptr + 8;
    spindle_response_status(res, (uint16_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0')));
    spindle_response_body_str(res, "status\n");
    return;
  }
  spindle_response_header(res, "x-method", spindle_method_name(req->method));
  add(res, "x-uri", req->uri);
  add(res, "x-path", req->path);
  add(res, "x-query", req->query);
  add(res, "x-path-info", spindle_request_header(req, "spin-path-info"));
  add(res, "x-matched-route", spindle_request_header(req, "SPIN-MATCHED-ROUTE"));
  add(res, "x-custom", spindle_request_header(req, "X-Custom"));
  spindle_response_header(res, "content-type", "application/octet-stream");
  spindle_response_body(res, req->body.ptr, req->body.len);
}

SPINDLE_HTTP_COMPONENT_C(handle)

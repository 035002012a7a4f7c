/* The C header's API under test (tests/integration/sdk_test.cpp): reports the
 * request it got in headers and echoes the body. */
#include <spindle/http.h>
#include <stdio.h>

static void header_str(spindle_response* res, const char* name, spindle_str v) {
  spindle_response_header_n(res, name, strlen(name), v.ptr ? v.ptr : "", v.len);
}

static void handle(const spindle_request* req, spindle_response* res) {
  char count[16];
  spindle_str missing = spindle_request_header(req, "x-not-sent");
  if (spindle_str_eq(spindle_request_header(req, "spin-path-info"), "/teapot")) {
    spindle_response_status(res, 418);
    spindle_response_body_str(res, "short and stout\n");
    return;
  }
  spindle_response_status(res, req->method == SPINDLE_POST ? 201 : 200);
  spindle_response_header(res, "x-method", spindle_method_name(req->method));
  header_str(res, "x-uri", req->uri);
  header_str(res, "x-path", req->path);
  header_str(res, "x-query", req->query);
  header_str(res, "x-agent", spindle_request_header(req, "User-Agent"));
  header_str(res, "x-path-info", spindle_request_header(req, "SPIN-PATH-INFO"));
  spindle_response_header(res, "x-missing", missing.ptr ? "present" : "absent");
  snprintf(count, sizeof count, "%zu", req->header_count);
  spindle_response_header(res, "x-count", count);
  spindle_response_header(res, "x-dup", "1");
  spindle_response_header(res, "x-dup", "2");
  spindle_response_header(res, "x-empty", "");
  /* The body, appended in two pieces. */
  spindle_response_append(res, req->body.ptr, req->body.len / 2);
  spindle_response_append(res, req->body.ptr + req->body.len / 2,
                          req->body.len - req->body.len / 2);
}
SPINDLE_HTTP_COMPONENT_C(handle)

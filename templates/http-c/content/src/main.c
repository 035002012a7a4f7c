/* {{project-name}}: an HTTP component in C with the spindle SDK's C header.
 * It speaks Spin's HTTP ABI, so it runs on `spindle up` and on Spin alike. */
#include <spindle/http.h>

static void handle(const spindle_request* req, spindle_response* res) {
  spindle_response_header(res, "content-type", "text/plain");
  spindle_response_body_str(res, "Hello from {{project-name}}! You asked for ");
  spindle_response_append(res, req->path.ptr, req->path.len);
  spindle_response_append(res, "\n", 1);
}

SPINDLE_HTTP_COMPONENT_C(handle)

#include <spindle/http.h>

static void handle(const spindle_request* req, spindle_response* res) {
  (void)req;
  spindle_response_header(res, "content-type", "text/plain");
  spindle_response_body_str(res, "hello\n");
}
SPINDLE_HTTP_COMPONENT_C(handle)

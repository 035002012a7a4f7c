// {{project-name}}: an HTTP component built with the spindle C++ SDK.
// It speaks Spin's HTTP ABI, so it runs on `spindle up` and on Spin alike.
#include <spindle/http.hpp>

spindle::Response handle(const spindle::Request& req) {
  return spindle::Response(200)
      .header("content-type", "text/plain")
      .body("Hello from {{project-name}}! You asked for " + std::string(req.path()) + "\n");
}

SPINDLE_HTTP_COMPONENT(handle)

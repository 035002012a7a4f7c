// {{project-name}}: an HTTP component built with the spindle C++ SDK.
// Compiled with -DSPINDLE_WASI_HTTP and wrapped by the SDK's componentize.mjs,
// it is a wasi:http component (wasi:http/incoming-handler@0.2): it runs on
// `spindle up`, on Spin 3.1+ and on other wasi:http hosts. The same source without
// -DSPINDLE_WASI_HTTP is a Spin 1 module (the http-cpp template).
#include <spindle/http.hpp>

spindle::Response handle(const spindle::Request& req) {
  return spindle::Response(200)
      .header("content-type", "text/plain")
      .body("Hello from {{project-name}}! You asked for " + std::string(req.path()) + "\n");
}

SPINDLE_HTTP_COMPONENT(handle)

// The component the toolchain-file test builds: a route, a query parameter
// and a function from a static library.
#include <spindle/http.hpp>

#include "greeting.h"

spindle::Response handle(const spindle::Request& req) {
  return spindle::Response::text(greeting(req.query_param("who").value_or("")));
}

SPINDLE_HTTP_COMPONENT(handle)

// The hello component of the HTTP benchmarks (Spin 1 ABI, C++ SDK).
#include <spindle/http.hpp>

spindle::Response handle(const spindle::Request&) {
  return spindle::Response(200).header("content-type", "text/plain").body("hello\n");
}

SPINDLE_HTTP_COMPONENT(handle)

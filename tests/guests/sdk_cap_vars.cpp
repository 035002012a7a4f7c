// spindle::variables::get through the SDK: GET /?<name> answers
// "<name>=<value>", or "error <kind>: <message>".
#include <spindle/http.hpp>
#include <spindle/variables.hpp>

namespace {

spindle::Response handle(const spindle::Request& req) {
  std::string name(req.query());
  spindle::Result<std::string> v = spindle::variables::get(name);
  if (!v) return spindle::Response::text("error " + v.error().describe());
  return spindle::Response::text(name + "=" + *v);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(handle)

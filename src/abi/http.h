// The HTTP request/response model the executors speak, independent of any
// HTTP server library. The HTTP trigger converts what its server parsed into
// a Request (adding Spin's `spin-*` headers) and what an executor returns
// into the bytes it writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spindle::abi {

// Ordered (name, value) pairs. Request header names are lowercase, as the
// trigger hands them over; response header names are lowercase too.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent: "GET", "POST", ... (case-sensitive)
  std::string uri;     // path + query ("/a/b?x=1"), as sent
  Headers headers;     // lowercase names, in the order received, as given
  std::string body;    // bytes
};

struct Response {
  uint16_t status = 200;
  Headers headers;   // lowercase names
  std::string body;  // bytes
};

// The value of the first header named `name` (lowercase), if any.
std::optional<std::string_view> find_header(const Headers& h, std::string_view name);

// The path of a request target ("/a/b?x=1" → "/a/b") and its query ("x=1";
// empty when there is none).
std::string_view uri_path(std::string_view uri);
std::string_view uri_query(std::string_view uri);

// RFC 9110 token (a valid header field name).
bool is_header_name(std::string_view s);
// A field value the way hyper/http accepts one: visible ASCII, space, tab
// and bytes >= 0x80; no other control characters (CR, LF, NUL, DEL).
bool is_header_value(std::string_view s);

}  // namespace spindle::abi

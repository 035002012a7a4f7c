// HTTP helpers of the executors over the one request/response model
// (util/http_message.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/http_message.h"

namespace spindle::abi {

// The request and response the executors speak (util/http_message.h).
using Headers = http::Headers;
using Request = http::Request;
using Response = http::Response;

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

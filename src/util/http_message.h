// The one HTTP request/response model inside spindle: what the server
// parses, what the executors give guests and take back, what self requests
// carry. Independent of any HTTP library.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace spindle::http {

// Ordered (name, value) pairs; names lowercase.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent: "GET", "POST", ... (case-sensitive)
  std::string uri;     // path + query ("/a/b?x=1"), as sent
  Headers headers;     // lowercase names, in the order received
  std::string body;    // bytes
};

struct Response {
  uint16_t status = 200;
  Headers headers;   // lowercase names
  std::string body;  // bytes
};

// `name` in ASCII lowercase (header names are compared that way).
inline std::string lowercase(std::string name) {
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

}  // namespace spindle::http

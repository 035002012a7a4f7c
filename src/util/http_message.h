// The one HTTP request/response model inside spindle: what the server
// parses, what the executors give guests and take back, what self requests
// carry. Independent of any HTTP library.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// The body of a response that is sent while it is made (a guest writing
// its response stream): chunked on HTTP/1.1, up to the connection's close
// on HTTP/1.0. Used by one thread at a time.
class BodySink {
 public:
  // Destroying a sink before finish() closes the connection: the client
  // sees the body cut short (the guest failed after the head went out).
  virtual ~BodySink() = default;
  // Sends `bytes`, blocking while the client does not read, up to
  // `deadline` (and at most the server's write timeout). False when the
  // client is gone or too slow: nothing more can be sent.
  virtual bool write(std::string_view bytes,
                     std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
  // Ends the body; `trailers` are sent when the client asked for them
  // (`te: trailers`) and the body is chunked.
  virtual bool finish(const Headers& trailers,
                      std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
};

// Sends a response's status and headers now, before its body exists; the
// body follows through the sink. `length`: the body's size when it is
// already known (sent as Content-Length instead of chunked). Null when the
// request has already been answered.
using StartStream =
    std::function<std::unique_ptr<BodySink>(const Response& head, std::optional<uint64_t> length)>;

// `name` in ASCII lowercase (header names are compared that way).
inline std::string lowercase(std::string name) {
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return name;
}

}  // namespace spindle::http

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

class BodySource;

struct Request {
  std::string method;  // as sent: "GET", "POST", ... (case-sensitive)
  std::string uri;     // path + query ("/a/b?x=1"), as sent
  Headers headers;     // lowercase names, in the order received
  std::string body;    // bytes
  // Set when the body is still arriving (a streamed request body): it is
  // read from here and `body` is empty.
  std::shared_ptr<BodySource> body_source;
};

struct Response {
  uint16_t status = 200;
  Headers headers;   // lowercase names
  std::string body;  // bytes
};

// A text/plain response the host makes itself (health, 404, 503, ...).
inline Response text_response(uint16_t status, std::string body) {
  Response out;
  out.status = status;
  out.headers.emplace_back("content-type", "text/plain");
  out.body = std::move(body);
  return out;
}

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

// A request body read while it arrives, by the thread the request was
// handed to (one thread at a time). The server's connection waits for the
// handler until the response is sent; what the handler left unread is then
// read and dropped (or the connection closed), and the source reads as
// failed from then on.
class BodySource {
 public:
  enum class Status { Data, End, Failed };
  virtual ~BodySource() = default;
  // Appends up to `max` bytes that have arrived to `out` without blocking
  // (Data with none appended: nothing yet). End: the whole body was read
  // (trailers() then holds the client's trailers). Failed: the client is
  // gone, too slow or sent a malformed body; `error` says which.
  virtual Status read(size_t max, std::string& out, std::string& error) = 0;
  // Whether read() would not return empty-handed now.
  virtual bool ready() = 0;
  // Blocks until ready() or `deadline` (none: the server's body timeout
  // alone bounds it); false at the deadline.
  virtual bool wait(std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
  // The trailer fields of a chunked body, once read() returned End.
  virtual Headers trailers() const = 0;
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

// The HTTP/1.1 server of the HTTP trigger (Boost.Beast, compiled in
// server.cpp only).
//
// Threading model: one io_context run by `threads` threads. Each connection
// is a chain of asynchronous reads and writes; a request's handler (which
// instantiates and runs a guest) runs synchronously on the thread that read
// the request, and the response is written from the same thread, so a
// request never hops between threads. Pipelined requests on one connection
// are read and answered in order; keep-alive is honoured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace spindle::trigger::http {

// What the server hands to the handler.
struct Incoming {
  std::string method;                                        // as sent ("GET")
  std::string target;                                        // path + query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string client_addr;  // "ip:port"
  std::string host;         // Host header, or the listen address
};

struct Outgoing {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using Respond = std::function<void(Outgoing)>;
using Handler = std::function<void(Incoming&&, Respond)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:3000";  // host:port; port 0 picks a free one
  unsigned threads = 0;                   // 0: one per core
  size_t max_body_bytes = 16 << 20;       // larger request bodies get 413
};

class Server {
 public:
  Server();
  ~Server();
  // Binds and starts serving in background threads. Returns false with
  // `error` set when the address cannot be used.
  bool start(const ServerOptions& opts, Handler handler, std::string& error);
  // The bound address ("127.0.0.1:34567").
  std::string address() const;
  // Blocks until stop() (or a signal handler calling it).
  void wait();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spindle::trigger::http

// The HTTP/1.1 server of the HTTP trigger (Boost.Beast, compiled in
// server.cpp only).
//
// Threading model: one io_context per I/O thread (`threads` of them). Each
// connection is a chain of asynchronous reads and writes on its own strand.
// A parsed request goes to the handler on an I/O thread; the handler
// answers at once (health, 404), runs the guest right there, or hands the
// request to another thread (the worker pool), which responds later through
// Respond. A handler may block (handler_may_block()): when every thread of a
// context has been in one handler call for 2 ms, a helper thread serves the
// context's other connections until one of them is free again, so a slow or
// looping guest never holds the connections that share its thread. The
// responding thread writes the response itself with a non-blocking send
// (nothing else touches the connection while its request is handled) and
// starts the read of the next request; only what the socket cannot take at
// once is finished asynchronously on the connection's strand. Pipelined
// requests on one connection are read and answered in order (the next is
// read only once the current response is written); keep-alive is honoured.
// A streamed response (Incoming::stream) is written the same way, chunk by
// chunk, by the thread that makes it: it blocks while the client does not
// read (the guest's writes wait: backpressure), up to its deadline.
//
// TLS (ServerOptions::tls_cert): the handshake must end within
// `header_timeout`; a client that does not speak TLS is closed.
//
// Hostile clients are bounded: RLIMIT_NOFILE is raised to its hard limit at
// start; at most `max_connections` are open (at the cap, the connection that
// has waited longest without sending a complete request header — idle
// keep-alive or a slow header — is closed to make room; if there is none,
// the new one is closed); accepting pauses for a moment when descriptors run
// out (EMFILE) instead of spinning; a request header must arrive within
// `header_timeout` of its first byte, a keep-alive connection may idle
// `idle_timeout`, a body must arrive within `body_timeout`; more than
// `max_header_count` fields or `max_header_bytes` bytes of header get 431.
//
// Request bodies: `expect: 100-continue` is answered when the body is
// wanted (at once for a body read before the handler runs; at the first
// read of a streamed one). A streamed body (ServerOptions::stream_body)
// the handler did not read to its end is read and dropped after the
// response when at most 1 MiB of it is left, so the connection stays
// usable; with more left, the server stops sending and reads for a moment
// before it closes (so the client gets the response, not a reset).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/http_message.h"

namespace spindle::trigger::http {

// What the server hands to the handler: the request (`uri` is the target as
// sent: path + query), who sent it, and how it addressed the server.
struct Incoming : spindle::http::Request {
  std::string client_addr;  // "ip:port"
  std::string host;         // Host header, or the listen address
  // Answers with a streamed body instead of Respond (from the thread the
  // request was handed to); null when the request cannot be answered so.
  spindle::http::StartStream stream;
};

using Outgoing = spindle::http::Response;

// Sends the response to one request. Call it exactly once, from any thread
// (an I/O thread or a worker); calls after the first are ignored.
using Respond = std::function<void(Outgoing)>;
// Called on an I/O thread for each request. It may answer at once or hand
// the request to another thread that responds later. The request is the
// handler's to move from.
using Handler = std::function<void(Incoming&&, Respond)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:3000";  // host:port; port 0 picks a free one
  unsigned threads = 0;                   // 0: one per core
  size_t max_body_bytes = 16 << 20;       // larger request bodies get 413
  // 0: 10,000, and never more than RLIMIT_NOFILE minus 64 descriptors kept
  // for the app's own files and sockets.
  size_t max_connections = 0;
  std::chrono::milliseconds header_timeout{30000};  // first byte → whole header
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for a request
  std::chrono::milliseconds body_timeout{60000};    // header → whole body
  size_t max_header_bytes = 64 << 10;               // more: 431
  size_t max_header_count = 100;                    // more fields: 431
  // Whether a request whose body has not all arrived with its header goes
  // to the handler at once, its body read while the handler runs
  // (Request::body_source, no size limit; `body_timeout` is then the most a
  // read waits for the next bytes), instead of after the whole body (up to
  // max_body_bytes). Called on an I/O thread with the method, target and
  // Host header; null: never.
  std::function<bool(std::string_view method, std::string_view target, std::string_view host)>
      stream_body;
  // PEM files: the certificate (chain) and its private key. Both set: the
  // server speaks TLS only, then the same HTTP/1.1 as without (server.cpp:
  // TlsRelay). A file that cannot be used fails start() with its name.
  std::string tls_cert, tls_key;
};

// True on a server I/O thread, where a handler may run long (a guest):
// the thread's other connections are taken over meanwhile.
bool handler_may_block();

// Where this host reaches a server bound to `address`: a wildcard bind
// ("0.0.0.0:80", "[::]:80") on loopback, any other as it is.
std::string reachable_address(std::string address);

class Server {
 public:
  Server();
  ~Server();
  // Binds and starts serving in background threads. Returns false with
  // `error` set when the address cannot be used.
  bool start(const ServerOptions& opts, Handler handler, std::string& error);
  // The bound address ("127.0.0.1:34567").
  std::string address() const;
  // Open connections right now.
  size_t connections() const;
  // The connection cap in effect (after the RLIMIT_NOFILE bound).
  size_t max_connections() const;
  // Blocks until stop() (or a signal handler calling it).
  void wait();
  // Stops gracefully: no new connections (the listening socket closes),
  // idle keep-alive connections close, requests being handled are answered
  // with `Connection: close`; then stop() once every connection has ended or
  // at `deadline`, whichever comes first.
  void drain(std::chrono::steady_clock::time_point deadline);
  void stop();

  struct Impl;  // server.cpp's

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace spindle::trigger::http

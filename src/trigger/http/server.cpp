// The only translation unit that includes Boost.Beast (and Asio's TLS).
#include "trigger/http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace spindle::trigger::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr size_t kFdReserve = 64;  // descriptors kept for the app (files, sockets, stores)
// A streamed request body the handler left unread: read and dropped after
// the response when at most this much is left (the connection is kept)...
constexpr uint64_t kDrainMax = 1 << 20;
constexpr auto kDrainTime = std::chrono::seconds(5);
// ...else the server stops sending and reads (and drops) at most this much,
// for at most this long, before it closes: closing with unread bytes would
// reset the connection and could destroy the response before the client
// reads it.
constexpr uint64_t kLingerMax = 16 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A TLS connection's close_notify exchange takes at most this long.
constexpr auto kTlsShutdownTime = std::chrono::seconds(1);
// Descriptors one TLS connection holds: its socket and a socket pair.
constexpr size_t kTlsDescriptors = 3;
// A context whose every thread has been in one handler call this long gets
// a helper thread that serves its other connections meanwhile; the monitor
// looks this often while handlers run, and sleeps after kMonitorQuiet
// without one.
constexpr auto kTakeOver = std::chrono::milliseconds(2);
constexpr auto kMonitorTick = std::chrono::milliseconds(1);
constexpr int kMonitorQuiet = 100;  // ticks
// Helpers at most (each holds a thread while a handler holds its context).
constexpr unsigned kMaxHelpers = 64;
constexpr int kLoopConcurrency = 2;

// "ip:port", "[ip6]:port".
std::string endpoint_string(const tcp::endpoint& ep) {
  std::string ip = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
}

// The reason OpenSSL gave first for the last failure (its error queue
// emptied): "no start line" rather than the "PEM lib" that follows it.
std::string openssl_reason() {
  unsigned long e = ERR_peek_error();
  ERR_clear_error();
  const char* r = e ? ERR_reason_error_string(e) : nullptr;
  return r ? r : "not in PEM format";
}

// Reads the certificate chain and private key (PEM) into `ctx`; false with
// `error` naming the file when one cannot be used.
bool load_tls(asio::ssl::context& ctx, const std::string& cert, const std::string& key,
              std::string& error) {
  SSL_CTX* c = ctx.native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  auto readable = [&](const std::string& path, const char* what) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error = std::string("failed to load ") + what + " from '" + path + "': " + strerror(errno);
      return false;
    }
    std::fclose(f);
    return true;
  };
  if (!readable(cert, "certificate(s)") || !readable(key, "private key")) return false;
  ERR_clear_error();
  // The key first: a certificate that does not match it then leaves no key
  // (instead of failing the key's load), for the message below.
  if (SSL_CTX_use_PrivateKey_file(c, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "failed to load private key from '" + key + "': " + openssl_reason();
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(c, cert.c_str()) != 1) {
    error = "failed to load certificate(s) from '" + cert + "': " + openssl_reason();
    return false;
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    error = "the private key in '" + key + "' does not match the certificate in '" + cert + "'";
    return false;
  }
  return true;
}

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit.
size_t raise_nofile_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur == RLIM_INFINITY ? size_t{1} << 20 : static_cast<size_t>(rl.rlim_cur);
}

class Session;
class RequestBody;

// Sends all of `parts` on the non-blocking socket `fd` from the calling
// thread, waiting while it is full, until `until`. False when the peer is
// gone or the time ran out.
bool send_all(int fd, std::initializer_list<std::string_view> parts,
              std::chrono::steady_clock::time_point until) {
  std::array<iovec, 4> iov{};
  size_t n = 0;
  for (std::string_view p : parts)
    if (!p.empty() && n < iov.size()) iov[n++] = {const_cast<char*>(p.data()), p.size()};
  size_t first = 0;
  while (first < n) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = n - first;
    ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r > 0) {
      auto left = static_cast<size_t>(r);
      while (first < n && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (first < n) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (wait.count() <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::min<int64_t>(wait.count() + 1, 1000)));
      continue;
    }
    return false;
  }
  return true;
}

// Connections that may be closed to make room, oldest first: keep-alive
// connections waiting for a request, and connections still sending a request
// header. (One being handled or answered is never on it.)
struct Evictable {
  std::mutex mu;
  std::list<std::weak_ptr<Session>> list;
};

// A thread running one of the server's io_contexts: the context's own
// thread, or a helper that runs it while the others are held by handlers.
struct Runner {
  // Twice the handler calls begun, plus one while in one (odd: in a call).
  // Counted, not timed: no clock read per request.
  std::atomic<uint64_t> calls{0};
  std::thread thread;  // a helper's (the own threads are Impl::threads)
  bool done = false;   // a helper that left (guarded by Loop::mu)
  // The monitor's: `calls` at its last look, and for how many looks since
  // it has been the same call.
  uint64_t seen = 0;
  int looks = 0;
  bool busy() const { return calls.load() & 1; }
};

// One io_context and the threads running it.
struct Loop {
  explicit Loop(asio::io_context& c) : ioc(c) {}
  asio::io_context& ioc;
  std::mutex mu;
  std::list<Runner> runners;  // the first: the context's own thread
};

thread_local Runner* this_runner = nullptr;

}  // namespace

struct Server::Impl {
  // Declared first, destroyed last: sessions still held by the io_context's
  // handlers when it is destroyed update them.
  std::atomic<size_t> open{0};
  Evictable evictable;
  ServerOptions opts;
  Handler handler;
  // One io_context per I/O thread (run by its own thread, and by a helper
  // while handlers hold that thread): the acceptor's is `ioc`, and accepted
  // connections go to each in turn. One context shared by every thread made
  // them hand each other every completion through its mutex and condition
  // variable. The concurrency hint is not 1 (one thread only) because of
  // the helpers.
  asio::io_context ioc{kLoopConcurrency};
  std::vector<std::unique_ptr<asio::io_context>> more;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::atomic<unsigned> next_context{0};
  std::optional<asio::ssl::context> tls;  // set: connections speak TLS
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> pause;
  std::vector<std::thread> threads;
  std::string address;
  std::mutex mu;
  bool stopped = false;
  size_t cap = 0;
  // Set by drain(): every response closes its connection, and a connection
  // that finishes a request is not kept for another.
  std::atomic<bool> draining{false};

  // Handlers may block (server.h, handler_may_block): the monitor watches
  // the runners and adds a helper to a context whose every runner has been
  // in one handler call for longer than kTakeOver.
  std::vector<std::unique_ptr<Loop>> loops;
  std::thread monitor_thread;
  std::mutex monitor_mu;
  std::condition_variable monitor_cv;
  std::atomic<bool> monitor_asleep{false};
  bool monitor_stop = false;  // guarded by monitor_mu
  unsigned helpers = 0;       // guarded by monitor_mu

  void monitor();
  // One pass over the loops; true when a handler call is running.
  bool watch_loops();
  void help(Loop& loop, Runner& me);
  // A handler call starts on this thread (a runner): the monitor watches it.
  void enter_handler() {
    if (!this_runner) return;
    this_runner->calls.store(this_runner->calls.load(std::memory_order_relaxed) + 1);
    if (monitor_asleep.load() && monitor_asleep.exchange(false)) {
      std::lock_guard lock(monitor_mu);
      monitor_cv.notify_one();
    }
  }
  void leave_handler() {
    if (this_runner)
      this_runner->calls.store(this_runner->calls.load(std::memory_order_relaxed) + 1,
                               std::memory_order_release);
  }

  void accept();
  // The context the next connection goes to.
  asio::io_context& pick_context() {
    unsigned i = next_context.fetch_add(1, std::memory_order_relaxed) % (more.size() + 1);
    return i == 0 ? ioc : *more[i - 1];
  }
  // Closes the oldest evictable connection; false when there is none.
  bool evict_one();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `client`: who is at the other end ("ip:port"); empty: the socket's peer.
  Session(tcp::socket socket, Server::Impl& server, std::string client = {})
      : stream_(std::move(socket)), server_(server), client_(std::move(client)) {
    ++server_.open;
    beast::error_code ec;
    if (client_.empty())
      if (auto ep = stream_.socket().remote_endpoint(ec); !ec) client_ = endpoint_string(ep);
  }
  ~Session() {
    unmark();
    --server_.open;
  }

  void run() { wait_for_request(); }

  // From any thread: closes the connection on its strand.
  void close_soon() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().close(ec);
    });
  }

 private:
  // Between requests: wait (idle_timeout) for the first byte of the next one.
  void wait_for_request() {
    if (server_.draining) return close();
    mark();
    if (buffer_.size() > 0) return read_header();  // pipelined bytes already here
    stream_.expires_after(server_.opts.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->close();
                              self->read_header();
                            });
  }

  // The header, within header_timeout of its first byte.
  void read_header() {
    parser_.emplace();
    // With streamed bodies possible, the limit is set once the header says
    // which kind this request is (on_header).
    if (server_.opts.stream_body)
      parser_->body_limit(boost::none);
    else
      parser_->body_limit(server_.opts.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.opts.max_header_bytes));
    stream_.expires_after(server_.opts.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    unmark();
    if (ec == bhttp::error::header_limit)
      return reply_error(431, "request header fields too large\n");
    if (ec) return on_error(ec);
    size_t fields = 0;
    for (auto it = parser_->get().begin(); it != parser_->get().end(); ++it) ++fields;
    if (fields > server_.opts.max_header_count)
      return reply_error(431, "too many request header fields\n");
    const auto& req = parser_->get();
    auto len = parser_->content_length();
    bool pending = !parser_->is_done();  // body bytes still to come?
    if (pending && len && *len <= buffer_.size())
      pending = false;  // the whole body came with the header
    if (pending && server_.opts.stream_body &&
        server_.opts.stream_body(req.method_string(), req.target(), req[bhttp::field::host]))
      return hand_off_streaming(fields);
    if (server_.opts.stream_body) {
      if (len && *len > server_.opts.max_body_bytes)
        return reply_error(413, "request body too large\n");
      parser_->body_limit(server_.opts.max_body_bytes);
    }
    if (pending && expects_continue(req) &&
        !send_all(stream_.socket().native_handle(), {kContinue},
                  std::chrono::steady_clock::now() + std::chrono::seconds(1)))
      return close();
    stream_.expires_after(server_.opts.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  static bool expects_continue(const bhttp::request<bhttp::string_body>& req) {
    return req.version() >= 11 && beast::iequals(req[bhttp::field::expect], "100-continue");
  }

  // The request goes to the handler now; its body is read while the handler
  // runs, through a RequestBody (below).
  void hand_off_streaming(size_t header_fields);

  void on_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
      return close();
    }
    if (ec == bhttp::error::body_limit) return reply_error(413, "request body too large\n");
    return reply_error(400, "bad request\n");
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_error(ec);
    auto req = parser_->release();
    Incoming in = incoming(req);
    in.body = std::move(req.body());
    dispatch(std::move(in), req.keep_alive(), req.version(), req.method() == bhttp::verb::head);
  }

  // The request line and header of `req` as the handler sees them.
  Incoming incoming(const bhttp::request<bhttp::string_body>& req) {
    Incoming in;
    in.method = std::string(req.method_string());
    in.uri = std::string(req.target());
    in.headers.reserve(16);
    for (const auto& f : req) {
      in.headers.emplace_back(spindle::http::lowercase(std::string(f.name_string())),
                              std::string(f.value()));
      if (f.name() == bhttp::field::host) in.host = std::string(f.value());
    }
    if (in.host.empty()) in.host = server_.address;
    in.client_addr = client_;
    return in;
  }

  // Hands a parsed request to the handler (a bad target is answered here).
  void dispatch(Incoming in, bool keep_alive, unsigned version, bool head) {
    if (in.uri.empty() || in.uri[0] != '/') {
      Outgoing out;
      out.status = 400;
      out.body = "bad request target\n";
      return write(std::move(out), false, version, head);
    }
    if (server_.draining) keep_alive = false;  // the response says `Connection: close`
    stream_.expires_never();                   // the handler's own limits apply while it runs
    uint64_t seq = ++seq_;
    bool trailers = false;  // the client takes trailers: `te: trailers`
    for (const auto& [k, v] : in.headers)
      if (k == "te" && v.find("trailers") != std::string::npos) trailers = true;
    in.stream = [self = shared_from_this(), seq, keep_alive, version, head, trailers](
                    const Outgoing& out, std::optional<uint64_t> length) {
      return self->start_stream(seq, out, length, keep_alive, version, head, trailers);
    };
    // While the handler has the request, nothing else touches this
    // connection (no read is pending, it is off the evictable list), so the
    // thread that responds writes the response itself: a worker does not
    // wake an I/O thread for it. Only a response the socket cannot take at
    // once goes back to the connection's strand.
    server_.enter_handler();
    server_.handler(std::move(in),
                    [self = shared_from_this(), seq, keep_alive, version, head](Outgoing out) {
                      if (!self->claim(seq)) return;  // a second answer to one request
                      self->write(std::move(out), keep_alive, version, head);
                    });
    server_.leave_handler();
  }

  // True for the first answer to request `seq` (a response or a stream).
  bool claim(uint64_t seq) {
    uint64_t prev = answered_.load();
    while (prev < seq && !answered_.compare_exchange_weak(prev, seq)) {
    }
    return prev < seq;
  }

  std::unique_ptr<spindle::http::BodySink> start_stream(uint64_t seq, const Outgoing& out,
                                                        std::optional<uint64_t> length,
                                                        bool keep_alive, unsigned version,
                                                        bool head, bool trailers);
  friend class StreamSink;

  // The response's bytes: the status line and header, then the body.
  struct Wire {
    std::string head;
    std::string body;
  };

  // The status line and header. `length`: the Content-Length; none: the
  // body is chunked (HTTP/1.1) or ends with the connection (HTTP/1.0).
  static std::string serialize_head(const Outgoing& out, std::optional<uint64_t> length,
                                    bool keep_alive, unsigned version) {
    std::string h;
    h.reserve(160);
    h += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    h += std::to_string(out.status);
    h += ' ';
    h += bhttp::obsolete_reason(static_cast<bhttp::status>(out.status));
    h += "\r\n";
    for (const auto& [k, v] : out.headers) {
      // A name or value that would end the header early is dropped (no
      // response splitting from a guest's headers).
      if (!safe_field(k, v)) continue;
      std::string name = spindle::http::lowercase(k);
      if (name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
      h += k;
      h += ": ";
      h += v;
      h += "\r\n";
    }
    if (version == 10 && keep_alive) h += "Connection: keep-alive\r\n";
    if (version != 10 && !keep_alive) h += "Connection: close\r\n";
    if (length) {
      h += "Content-Length: ";
      h += std::to_string(*length);
      h += "\r\n";
    } else if (version != 10) {
      h += "Transfer-Encoding: chunked\r\n";
    }
    h += "\r\n";
    return h;
  }

  static bool safe_field(std::string_view k, std::string_view v) {
    return !k.empty() && k.find_first_of("\r\n:") == std::string::npos &&
           v.find_first_of("\r\n") == std::string::npos;
  }

  static Wire serialize(Outgoing&& out, bool keep_alive, unsigned version, bool head) {
    Wire w;
    uint64_t length = out.body.size();
    // A bodiless answer to HEAD may say how long the GET body would be.
    if (head && out.body.empty())
      for (const auto& [k, v] : out.headers)
        if (spindle::http::lowercase(k) == "content-length" && !v.empty() &&
            v.find_first_not_of("0123456789") == std::string::npos && v.size() < 19)
          length = std::stoull(v);
    w.head = serialize_head(out, length, keep_alive, version);
    if (!head) w.body = std::move(out.body);
    return w;
  }

  // Writes the response from the calling thread (an I/O thread, or the
  // worker that made it) as far as the socket takes it without blocking;
  // the rest is written asynchronously on the strand.
  void write(Outgoing out, bool keep_alive, unsigned version, bool head) {
    Wire w = serialize(std::move(out), keep_alive, version, head);
    size_t sent = 0, total = w.head.size() + w.body.size();
    int fd = stream_.socket().native_handle();
    while (sent < total) {
      iovec iov[2];
      int n = 0;
      if (sent < w.head.size()) iov[n++] = {w.head.data() + sent, w.head.size() - sent};
      size_t body_from = sent > w.head.size() ? sent - w.head.size() : 0;
      if (body_from < w.body.size())
        iov[n++] = {w.body.data() + body_from, w.body.size() - body_from};
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(n);
      ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r > 0) {
        sent += static_cast<size_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return close();  // the client is gone
    }
    if (sent == total) return next_request(keep_alive);
    // The socket is full (a large body, a slow reader): the rest on the strand.
    auto rest = std::make_shared<Wire>(std::move(w));
    asio::post(stream_.get_executor(), [self = shared_from_this(), rest, sent, keep_alive] {
      std::array<asio::const_buffer, 2> bufs = {asio::buffer(rest->head), asio::buffer(rest->body)};
      beast::buffers_suffix<std::array<asio::const_buffer, 2>> left(bufs);
      left.consume(sent);
      self->stream_.expires_after(kWriteTimeout);
      asio::async_write(self->stream_, left,
                        [self, rest, keep_alive](beast::error_code ec, size_t) {
                          if (ec) return self->close();
                          self->next_request(keep_alive);
                        });
    });
  }

  void reply_error(unsigned status, std::string text) {
    Outgoing out;
    out.status = static_cast<uint16_t>(status);
    out.headers.emplace_back("content-type", "text/plain");
    out.body = std::move(text);
    write(std::move(out), false, 11, false);
  }

  // The response is sent: on to the next request, once a streamed request
  // body the handler left unread is out of the way.
  void next_request(bool keep_alive);
  void drain();
  void linger_close();
  void linger_read();

  void close() {
    unmark();
    end_body_source();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  // On (off) the evictable list.
  void mark() {
    std::lock_guard lock(server_.evictable.mu);
    if (marked_) return;
    pos_ = server_.evictable.list.insert(server_.evictable.list.end(), weak_from_this());
    marked_ = true;
  }
  void unmark() {
    std::lock_guard lock(server_.evictable.mu);
    if (!marked_) return;
    server_.evictable.list.erase(pos_);
    marked_ = false;
  }

  // The streamed body of the current request, if any: it stops reading
  // (the session takes the connection back).
  void end_body_source();

  friend struct spindle::trigger::http::Server::Impl;
  friend class RequestBody;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
  std::string client_;
  uint64_t seq_ = 0;                   // requests read
  std::atomic<uint64_t> answered_{0};  // requests answered
  bool marked_ = false;                // guarded by server_.evictable.mu
  std::list<std::weak_ptr<Session>>::iterator pos_;
  std::shared_ptr<RequestBody> body_source_;  // the current request's streamed body
  uint64_t lingered_ = 0;                     // bytes dropped by linger_read
};

// A streamed response body (server.h): written by the thread that makes it,
// which owns the connection until finish() (as for Respond).
class StreamSink final : public spindle::http::BodySink {
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;

 public:
  StreamSink(std::shared_ptr<Session> s, bool chunked, bool keep_alive, bool head, bool trailers)
      : session_(std::move(s)),
        chunked_(chunked),
        keep_alive_(keep_alive),
        head_(head),
        trailers_(trailers) {}
  ~StreamSink() override {
    if (!done_) session_->close();
  }

  bool write(std::string_view bytes, Deadline deadline) override {
    if (done_ || failed_) return false;
    if (head_ || bytes.empty()) return true;
    if (!chunked_) return send({bytes}, deadline);
    char size[24];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return send({std::string_view(size, static_cast<size_t>(n)), bytes, "\r\n"}, deadline);
  }

  bool finish(const spindle::http::Headers& trailers, Deadline deadline) override {
    if (done_) return !failed_;
    if (!failed_ && chunked_ && !head_) {
      std::string end = "0\r\n";
      if (trailers_)
        for (const auto& [k, v] : trailers)
          if (Session::safe_field(k, v)) end += k + ": " + v + "\r\n";
      end += "\r\n";
      send({end}, deadline);
    }
    done_ = true;
    if (failed_) {
      session_->close();
      return false;
    }
    session_->next_request(keep_alive_);
    return true;
  }

  // The status line and header.
  bool begin(std::string_view head) { return send({head}, std::nullopt); }

 private:
  bool send(std::initializer_list<std::string_view> parts, Deadline deadline) {
    auto until = std::chrono::steady_clock::now() + kWriteTimeout;
    if (deadline && *deadline < until) until = *deadline;
    if (!send_all(session_->stream_.socket().native_handle(), parts, until)) failed_ = true;
    return !failed_;
  }

  std::shared_ptr<Session> session_;
  bool chunked_, keep_alive_, head_, trailers_;
  bool done_ = false, failed_ = false;
};

// A request body read while the handler runs (http::BodySource), from the
// thread the request was handed to: the connection is the handler's until
// the response is sent, so the bytes are parsed from the session's buffer
// and read from its socket directly (non-blocking; wait() polls). Reads
// only as far as the handler asks: the client's sending waits on TCP
// (backpressure). Once the response is sent the session takes the
// connection back (detach) and reads fail.
class RequestBody final : public spindle::http::BodySource {
  using Clock = std::chrono::steady_clock;

 public:
  RequestBody(std::shared_ptr<Session> s, bool send_continue, size_t header_fields)
      : session_(std::move(s)),
        continue_(send_continue),
        header_fields_(header_fields),
        last_bytes_(Clock::now()) {}

  Status read(size_t max, std::string& out, std::string& error) override {
    std::lock_guard lock(mu_);
    if (!session_) {
      error = "the response was sent before the request body was read";
      return Status::Failed;
    }
    pull();
    std::string& body = session_->parser_->get().body();
    if (pos_ < body.size()) {
      size_t n = std::min(max, body.size() - pos_);
      out.append(body, pos_, n);
      pos_ += n;
      if (pos_ == body.size()) {
        body.clear();  // the parser appends from the start again
        pos_ = 0;
      }
      return Status::Data;
    }
    if (!error_.empty()) {
      error = error_;
      return Status::Failed;
    }
    if (session_->parser_->is_done()) {
      if (!ended_) take_trailers();
      return Status::End;
    }
    return Status::Data;
  }

  bool ready() override {
    std::lock_guard lock(mu_);
    return ready_locked();
  }

  bool wait(std::optional<Clock::time_point> deadline) override {
    for (;;) {
      int fd = -1;
      Clock::time_point until;
      {
        std::lock_guard lock(mu_);
        if (ready_locked()) return true;
        // The client must send something within the body timeout.
        until = last_bytes_ + session_->server_.opts.body_timeout;
        if (Clock::now() >= until) {
          auto s =
              std::chrono::duration_cast<std::chrono::seconds>(session_->server_.opts.body_timeout);
          error_ = "the client sent no request body bytes for " + std::to_string(s.count()) + " s";
          return true;
        }
        fd = session_->stream_.socket().native_handle();
      }
      if (deadline && *deadline < until) until = *deadline;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (ms <= 0) {
        if (deadline && Clock::now() >= *deadline) return false;
        ms = 1;
      }
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 100)));
    }
  }

  spindle::http::Headers trailers() const override {
    std::lock_guard lock(mu_);
    return trailers_;
  }

  // The session takes the connection back (the response is sent).
  void detach() {
    std::lock_guard lock(mu_);
    session_.reset();
  }

 private:
  bool ready_locked() {
    if (!session_) return true;
    pull();
    return pos_ < session_->parser_->get().body().size() || !error_.empty() ||
           session_->parser_->is_done();
  }

  // Parses what is buffered and reads what the socket has now, until there
  // is body to hand out, the body ends, or nothing more has arrived.
  void pull() {
    auto& parser = *session_->parser_;
    auto& buffer = session_->buffer_;
    int fd = session_->stream_.socket().native_handle();
    if (continue_) {
      continue_ = false;
      if (!send_all(fd, {kContinue}, Clock::now() + std::chrono::seconds(1)))
        error_ = "the client closed the connection";
    }
    while (error_.empty() && !parser.is_done() && pos_ >= parser.get().body().size()) {
      if (buffer.size() > 0) {
        beast::error_code ec;
        size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec && ec != bhttp::error::need_more) {
          error_ = "malformed request body: " + ec.message();
          return;
        }
        if (used > 0) continue;
        if (buffer.size() > (64 << 10)) {  // a chunk header that never ends
          error_ = "malformed request body: a chunk header longer than 64 KiB";
          return;
        }
      }
      auto space = buffer.prepare(64 << 10);
      ssize_t r = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
      if (r > 0) {
        buffer.commit(static_cast<size_t>(r));
        last_bytes_ = Clock::now();
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      error_ = r == 0 ? "the client closed the connection before the request body ended"
                      : std::string("the request body could not be read: ") + strerror(errno);
      return;
    }
  }

  // Trailer fields come after the header's in the parsed message.
  void take_trailers() {
    ended_ = true;
    size_t i = 0;
    for (const auto& f : session_->parser_->get())
      if (i++ >= header_fields_)
        trailers_.emplace_back(spindle::http::lowercase(std::string(f.name_string())),
                               std::string(f.value()));
  }

  mutable std::mutex mu_;
  std::shared_ptr<Session> session_;  // null once detached
  bool continue_;                     // `100 Continue` still to send
  size_t header_fields_;
  size_t pos_ = 0;  // handed out of the parsed body so far
  std::string error_;
  bool ended_ = false;
  spindle::http::Headers trailers_;
  Clock::time_point last_bytes_;
};

void Session::hand_off_streaming(size_t header_fields) {
  const auto& req = parser_->get();
  parser_->eager(true);
  Incoming in = incoming(req);
  body_source_ =
      std::make_shared<RequestBody>(shared_from_this(), expects_continue(req), header_fields);
  in.body_source = body_source_;
  dispatch(std::move(in), req.keep_alive(), req.version(), req.method() == bhttp::verb::head);
}

void Session::end_body_source() {
  if (!body_source_) return;
  body_source_->detach();
  body_source_.reset();
}

void Session::next_request(bool keep_alive) {
  bool unread = body_source_ && !parser_->is_done();
  end_body_source();
  if (!unread) return keep_alive ? wait_for_request() : close();
  if (!keep_alive) return linger_close();
  drain();
}

void Session::drain() {
  auto left = parser_->content_length_remaining();
  if (left && *left > kDrainMax) return linger_close();
  parser_->body_limit(kDrainMax);  // a chunked body: counted from here
  parser_->get().body().clear();
  stream_.expires_after(kDrainTime);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec) return self->linger_close();
                      self->wait_for_request();
                    });
}

void Session::linger_close() {
  unmark();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  lingered_ = 0;
  stream_.expires_after(kLingerTime);
  linger_read();
}

void Session::linger_read() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(64 << 10),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->lingered_ += n;
                            if (ec || self->lingered_ > kLingerMax) return self->close();
                            self->linger_read();
                          });
}

std::unique_ptr<spindle::http::BodySink> Session::start_stream(uint64_t seq, const Outgoing& out,
                                                               std::optional<uint64_t> length,
                                                               bool keep_alive, unsigned version,
                                                               bool head, bool trailers) {
  if (!claim(seq)) return nullptr;
  // HTTP/1.0 has no chunks: a body of unknown length ends with the connection.
  if (version == 10 && !length) keep_alive = false;
  auto sink = std::make_unique<StreamSink>(shared_from_this(), !length && version != 10, keep_alive,
                                           head, trailers);
  // When the head cannot be sent, the sink's writes fail and destroying it
  // closes the connection.
  sink->begin(serialize_head(out, length, keep_alive, version));
  return sink;
}

// A TLS connection: the handshake (within header_timeout), then its bytes
// relayed, decrypted, to and from a Session through a socket pair, so the
// Session (which reads and writes its socket directly, from worker threads
// too) serves HTTP/1.1 exactly as on a plain connection, limits, keep-alive
// and all. The Session counts as the connection (max_connections,
// eviction); its closing ends the relay (close_notify, then close). A
// client that does not speak TLS fails the handshake and is closed.
class TlsRelay : public std::enable_shared_from_this<TlsRelay> {
 public:
  TlsRelay(tcp::socket socket, Server::Impl& server)
      : tls_(std::move(socket), *server.tls),
        app_(tls_.get_executor()),
        timer_(tls_.get_executor()),
        server_(server) {
    ++server_.open;  // until the session counts itself
  }
  ~TlsRelay() {
    if (counted_) --server_.open;
  }

  void start() {
    arm(server_.opts.header_timeout);
    tls_.async_handshake(asio::ssl::stream_base::server,
                         [self = shared_from_this()](beast::error_code ec) {
                           self->timer_.cancel();
                           if (ec) return self->abort();
                           self->serve();
                         });
  }

 private:
  // Hands the decrypted connection to a Session.
  void serve() {
    beast::error_code ec;
    auto peer = tls_.next_layer().remote_endpoint(ec);
    int fds[2];
    if (ec || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return abort();
    app_.assign(asio::local::stream_protocol(), fds[0], ec);
    if (ec) {
      ::close(fds[0]);
      ::close(fds[1]);
      return abort();
    }
    tcp::socket session_end(asio::make_strand(server_.ioc));
    session_end.assign(peer.protocol(), fds[1], ec);
    if (ec) {
      ::close(fds[1]);
      return abort();
    }
    std::make_shared<Session>(std::move(session_end), server_, endpoint_string(peer))->run();
    counted_ = false;
    --server_.open;
    from_client();
    from_app();
  }

  // Client → session. The client's end (or a broken record) ends the
  // session's input.
  void from_client() {
    reading_client_ = true;
    tls_.async_read_some(asio::buffer(in_),
                         [self = shared_from_this()](beast::error_code ec, size_t n) {
                           self->reading_client_ = false;
                           if (self->closing_) return self->close_notify();
                           if (ec) {
                             beast::error_code ignored;
                             self->app_.shutdown(asio::socket_base::shutdown_send, ignored);
                             return;
                           }
                           asio::async_write(self->app_, asio::buffer(self->in_.data(), n),
                                             [self](beast::error_code ec, size_t) {
                                               if (!ec && !self->closing_) self->from_client();
                                             });
                         });
  }

  // Session → client, each write within the write timeout. The session's
  // end closes the connection.
  void from_app() {
    app_.async_read_some(asio::buffer(out_),
                         [self = shared_from_this()](beast::error_code ec, size_t n) {
                           if (ec) return self->finish();
                           self->arm(kWriteTimeout);
                           asio::async_write(self->tls_, asio::buffer(self->out_.data(), n),
                                             [self](beast::error_code ec, size_t) {
                                               self->timer_.cancel();
                                               if (ec) return self->abort();
                                               self->from_app();
                                             });
                         });
  }

  // The session is done: stop reading the client, then say close_notify.
  void finish() {
    closing_ = true;
    beast::error_code ignored;
    if (reading_client_)
      tls_.next_layer().cancel(ignored);  // its handler goes on
    else
      close_notify();
  }

  void close_notify() {
    arm(kTlsShutdownTime);
    tls_.async_shutdown([self = shared_from_this()](beast::error_code) { self->abort(); });
  }

  void abort() {
    timer_.cancel();
    beast::error_code ignored;
    tls_.next_layer().close(ignored);
    app_.close(ignored);
  }

  // The connection is closed if the current step takes longer than `d`.
  void arm(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      beast::error_code ignored;
      self->tls_.next_layer().close(ignored);
    });
  }

  asio::ssl::stream<tcp::socket> tls_;
  asio::local::stream_protocol::socket app_;  // the relay's end of the socket pair
  asio::steady_timer timer_;
  Server::Impl& server_;
  bool counted_ = true;  // in server_.open
  bool reading_client_ = false;
  bool closing_ = false;
  std::array<char, 16 << 10> in_{}, out_{};
};

}  // namespace

bool Server::Impl::evict_one() {
  std::shared_ptr<Session> victim;
  {
    std::lock_guard lock(evictable.mu);
    while (!victim && !evictable.list.empty()) {
      victim = evictable.list.front().lock();
      if (victim) victim->marked_ = false;
      evictable.list.pop_front();
    }
  }
  if (!victim) return false;
  victim->close_soon();
  return true;
}

void Server::Impl::accept() {
  acceptor->async_accept(
      asio::make_strand(pick_context()), [this](beast::error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          int v = ec.value();
          if (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM) {
            // Out of descriptors: free one if a connection can go, and try again
            // shortly (the pending client waits in the backlog) instead of
            // failing the same accept in a busy loop.
            evict_one();
            pause->expires_after(kAcceptPause);
            pause->async_wait([this](beast::error_code e) {
              if (!e) accept();
            });
            return;
          }
          return accept();
        }
        if (open >= cap && !evict_one()) {
          beast::error_code ignored;
          s.close(ignored);  // full of busy connections: this one cannot be served
          return accept();
        }
        s.set_option(tcp::no_delay(true), ec);
        if (tls)
          std::make_shared<TlsRelay>(std::move(s), *this)->start();
        else
          std::make_shared<Session>(std::move(s), *this)->run();
        accept();
      });
}

bool Server::Impl::watch_loops() {
  bool busy = false;
  // A call seen at this many looks in a row (kMonitorTick apart) has run
  // for at least kTakeOver.
  const int held_looks = static_cast<int>(kTakeOver / kMonitorTick) + 1;
  for (auto& loop : loops) {
    std::lock_guard lock(loop->mu);
    bool held = true;  // every runner in a handler call for kTakeOver
    for (auto it = loop->runners.begin(); it != loop->runners.end();) {
      if (it->done) {  // a helper that left
        it->thread.join();
        it = loop->runners.erase(it);
        --helpers;
        continue;
      }
      uint64_t calls = it->calls.load();
      bool in_call = calls & 1;
      it->looks = in_call && calls == it->seen ? it->looks + 1 : (in_call ? 1 : 0);
      it->seen = calls;
      if (in_call) busy = true;
      if (it->looks < held_looks) held = false;
      ++it;
    }
    if (held && helpers < kMaxHelpers) {
      Runner& r = loop->runners.emplace_back();
      ++helpers;
      r.thread = std::thread([this, l = loop.get(), &r] { help(*l, r); });
    }
  }
  return busy;
}

void Server::Impl::monitor() {
  std::unique_lock lock(monitor_mu);
  int quiet = 0;
  while (!monitor_stop) {
    quiet = watch_loops() ? 0 : quiet + 1;
    if (quiet < kMonitorQuiet) {
      monitor_cv.wait_for(lock, kMonitorTick);
      continue;
    }
    // Nothing ran for a while: sleep until a handler call starts
    // (enter_handler). Said before looking once more, so a call that began
    // meanwhile is either seen here or wakes the monitor.
    monitor_asleep.store(true);
    if (!watch_loops()) {
      monitor_cv.wait_for(lock, std::chrono::seconds(1),
                          [&] { return monitor_stop || !monitor_asleep.load(); });
    }
    monitor_asleep.store(false);
    quiet = 0;
  }
}

// Runs `loop` beside its held threads; leaves once one of them is free.
void Server::Impl::help(Loop& loop, Runner& me) {
  this_runner = &me;
  while (!loop.ioc.stopped()) {
    loop.ioc.run_one_for(std::chrono::milliseconds(5));
    std::lock_guard lock(loop.mu);
    bool other_free = false;
    for (const auto& r : loop.runners)
      if (&r != &me && !r.done && !r.busy()) other_free = true;
    if (other_free) break;
  }
  std::lock_guard lock(loop.mu);
  me.done = true;
}

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() { stop(); }

bool Server::start(const ServerOptions& opts, Handler handler, std::string& error) {
  impl_->opts = opts;
  impl_->handler = std::move(handler);
  size_t nofile = raise_nofile_limit();
  size_t cap = opts.max_connections ? opts.max_connections : 10000;
  size_t fd_cap = nofile > 2 * kFdReserve ? nofile - kFdReserve : nofile / 2;
  if (!opts.tls_cert.empty() || !opts.tls_key.empty()) {
    if (!load_tls(impl_->tls.emplace(asio::ssl::context::tls_server), opts.tls_cert, opts.tls_key,
                  error))
      return false;
    fd_cap /= kTlsDescriptors;
  }
  impl_->cap = std::max<size_t>(1, std::min(cap, fd_cap));
  std::string host = opts.listen, port = "3000";
  if (auto colon = opts.listen.rfind(':'); colon != std::string::npos) {
    host = opts.listen.substr(0, colon);
    port = opts.listen.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    error = "cannot resolve listen address " + opts.listen + ": " + ec.message();
    return false;
  }
  tcp::endpoint ep = results.begin()->endpoint();
  auto& acc = impl_->acceptor.emplace(asio::make_strand(impl_->ioc));
  impl_->pause.emplace(acc.get_executor());
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + opts.listen + ": " + ec.message();
    return false;
  }
  impl_->address = endpoint_string(acc.local_endpoint());
  impl_->accept();
  unsigned n = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < n; ++i) {
    impl_->more.push_back(std::make_unique<asio::io_context>(kLoopConcurrency));
    impl_->keep_running.push_back(asio::make_work_guard(*impl_->more.back()));
  }
  impl_->loops.push_back(std::make_unique<Loop>(impl_->ioc));
  for (auto& c : impl_->more) impl_->loops.push_back(std::make_unique<Loop>(*c));
  for (auto& loop : impl_->loops) {
    Runner& own = loop->runners.emplace_back();
    impl_->threads.emplace_back([l = loop.get(), &own] {
      this_runner = &own;
      l->ioc.run();
    });
  }
  impl_->monitor_thread = std::thread([this] { impl_->monitor(); });
  return true;
}

bool handler_may_block() { return this_runner != nullptr; }

std::string reachable_address(std::string address) {
  if (address.rfind("0.0.0.0:", 0) == 0) return "127.0.0.1:" + address.substr(8);
  if (address.rfind("[::]:", 0) == 0) return "[::1]:" + address.substr(5);
  return address;
}

std::string Server::address() const { return impl_->address; }
size_t Server::connections() const { return impl_->open; }
size_t Server::max_connections() const { return impl_->cap; }

void Server::wait() {
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

void Server::drain(std::chrono::steady_clock::time_point deadline) {
  impl_->draining = true;
  asio::post(impl_->acceptor->get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);  // new connections are refused from now on
    impl_->pause->cancel();
  });
  // Connections without a request being handled (idle keep-alive, or a
  // header still arriving) close now; the others once answered.
  while (impl_->evict_one()) {
  }
  while (impl_->open > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop();
}

void Server::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  if (impl_->monitor_thread.joinable()) {
    {
      std::lock_guard lock(impl_->monitor_mu);
      impl_->monitor_stop = true;
    }
    impl_->monitor_cv.notify_one();
    impl_->monitor_thread.join();
  }
  impl_->ioc.stop();
  for (auto& c : impl_->more) c->stop();
  wait();
  for (auto& loop : impl_->loops)
    for (auto& r : loop->runners)
      if (r.thread.joinable()) r.thread.join();
}

}  // namespace spindle::trigger::http

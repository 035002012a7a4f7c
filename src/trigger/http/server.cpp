// The only translation unit that includes Boost.Beast.
#include "trigger/http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

namespace spindle::trigger::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Handler& handler, const ServerOptions& opts, std::string listen)
      : stream_(std::move(socket)), handler_(handler), opts_(opts), listen_(std::move(listen)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      std::string ip = ep.address().to_string();
      client_ = (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
    }
  }

  void run() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(opts_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(kIdleTimeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec == bhttp::error::body_limit) return reply_error(413, "request body too large\n");
    if (ec) return reply_error(400, "bad request\n");
    auto req = parser_->release();
    Incoming in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& f : req) {
      in.headers.emplace_back(lower(f.name_string()), std::string(f.value()));
      if (f.name() == bhttp::field::host) in.host = std::string(f.value());
    }
    if (in.host.empty()) in.host = listen_;
    in.body = std::move(req.body());
    in.client_addr = client_;
    bool keep_alive = req.keep_alive(), head = req.method() == bhttp::verb::head;
    unsigned version = req.version();
    if (in.target.empty() || in.target[0] != '/') {
      Outgoing out;
      out.status = 400;
      out.body = "bad request target\n";
      return write(std::move(out), keep_alive, version, head);
    }
    auto self = shared_from_this();
    handler_(std::move(in), [self, keep_alive, version, head](Outgoing out) {
      asio::post(self->stream_.get_executor(), [self, keep_alive, version, head,
                                                out = std::move(out)]() mutable {
        self->write(std::move(out), keep_alive, version, head);
      });
    });
  }

  void write(Outgoing out, bool keep_alive, unsigned version, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version);
    res->result(out.status);
    bool has_type = false;
    size_t length = out.body.size();
    for (auto& [k, v] : out.headers) {
      std::string name = lower(k);
      // A bodiless answer to HEAD may say how long the GET body would be.
      if (name == "content-length" && head && out.body.empty() && !v.empty() &&
          v.find_first_not_of("0123456789") == std::string::npos && v.size() < 19)
        length = std::stoull(v);
      if (name == "content-length" || name == "transfer-encoding" || name == "connection")
        continue;
      if (name == "content-type") has_type = true;
      res->insert(k, v);
    }
    (void)has_type;
    res->keep_alive(keep_alive);
    if (!head) res->body() = std::move(out.body);
    res->content_length(length);
    stream_.expires_after(kIdleTimeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
  }

  void reply_error(unsigned status, std::string text) {
    Outgoing out;
    out.status = status;
    out.headers.emplace_back("content-type", "text/plain");
    out.body = std::move(text);
    write(std::move(out), false, 11, false);
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Handler& handler_;
  const ServerOptions& opts_;
  std::string listen_;
  std::string client_;
};

}  // namespace

struct Server::Impl {
  ServerOptions opts;
  Handler handler;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::string address;
  std::mutex mu;
  bool stopped = false;

  void accept() {
    acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), handler, opts, address)->run();
      }
      accept();
    });
  }
};

Server::Server() : impl_(std::make_unique<Impl>()) {}

Server::~Server() { stop(); }

bool Server::start(const ServerOptions& opts, Handler handler, std::string& error) {
  impl_->opts = opts;
  impl_->handler = std::move(handler);
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
  auto& acc = impl_->acceptor.emplace(impl_->ioc);
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + opts.listen + ": " + ec.message();
    return false;
  }
  auto bound = acc.local_endpoint();
  std::string ip = bound.address().to_string();
  impl_->address =
      (bound.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(bound.port());
  impl_->accept();
  unsigned n = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return true;
}

std::string Server::address() const { return impl_->address; }

void Server::wait() {
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

void Server::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->ioc.stop();
  wait();
}

}  // namespace spindle::trigger::http

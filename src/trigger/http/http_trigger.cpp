#include "trigger/http/http_trigger.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>

#include "abi/http.h"
#include "host/self_origin.h"
#include "manifest/manifest.h"
#include "trigger/http/router.h"
#include "trigger/http/server.h"
#include "trigger/worker_pool.h"
#include "util/metrics.h"

namespace spindle::trigger::http {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kInfo = "/.well-known/spin/info";

Outgoing text(unsigned status, std::string body) {
  return spindle::http::text_response(static_cast<uint16_t>(status), std::move(body));
}

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// What the client is told when the component failed (the log has the detail).
std::string failure_body(const abi::Result& r, const engine::InstanceOptions& limits) {
  using engine::TrapKind;
  switch (r.trap) {
    case TrapKind::Timeout: {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limits.timeout).count();
      return "Gateway Timeout: the component did not answer within " + std::to_string(ms) + " ms\n";
    }
    case TrapKind::StackExhausted:
      return "Internal Server Error: the component overflowed its stack\n";
    case TrapKind::MemoryLimit:
      return "Internal Server Error: the component ran out of memory (limit " +
             mib(limits.max_memory_bytes) + ")\n";
    case TrapKind::OutOfBounds:
      return "Internal Server Error: the component accessed memory out of bounds\n";
    case TrapKind::None:
      return "Internal Server Error: the component failed\n";
    default:
      return "Internal Server Error: the component trapped: " +
             std::string(engine::trap_message(r.trap)) + "\n";
  }
}

// Reads a streamed body whole, up to `limit` bytes, each wait bounded by the
// server's body timeout: for an executor that takes bodies whole (the app
// was reloaded between the request's header and its handling).
bool read_whole(spindle::http::BodySource& src, size_t limit, std::string& out,
                std::string& error) {
  using Status = spindle::http::BodySource::Status;
  for (;;) {
    Status st = src.read(limit + 1 - out.size(), out, error);
    if (st == Status::End) return true;
    if (st == Status::Failed) return false;
    if (out.size() > limit) {
      error = "request body too large";
      return false;
    }
    src.wait(std::nullopt);
  }
}

// A component serving HTTP: its runtime and the executor for its ABI.
struct Served {
  std::shared_ptr<const ComponentRuntime> component;
  std::shared_ptr<const abi::Executor> executor;
  metrics::HttpComponent* metrics = nullptr;  // its requests' counters
};

// This trigger's part of one app version.
struct State {
  std::shared_ptr<const AppVersion> version;
  std::map<std::string, Served> served;
  Router router;
  std::string base = "/";
  std::string info_json;
};

class HttpTrigger final : public Trigger, public Endpoint {
 public:
  explicit HttpTrigger(const Services& s) : services_(s) {
    if (services_.self)
      services_.self->set_dispatch([this](host::LocalRequest& r) { return serve_local(r); });
  }
  ~HttpTrigger() override {
    stop();
    if (services_.self) services_.self->set_dispatch(nullptr);
  }

  bool configure(std::shared_ptr<const AppVersion> version, std::string& error) override;
  bool start(std::string& error) override;
  void stop() override {
    if (server_) server_->stop();
  }
  void unready() override { unready_ = true; }
  void drain(std::chrono::steady_clock::time_point deadline) override {
    if (server_) server_->drain(deadline);  // (a shared server drains itself)
  }
  void describe(std::FILE* out) const override;

  void handle(Incoming&& in, Respond respond) override { on_request(std::move(in), respond); }
  bool stream_body(std::string_view method, std::string_view target) override;

 private:
  bool shared() const { return !services_.shared_origin.empty(); }
  // "scheme://host:port" the app is reached at.
  std::string origin() const {
    return server_ ? scheme_ + "://" + server_->address() : services_.shared_origin;
  }
  // A component's name in logs and metrics ("app/component" beside other apps).
  std::string qualified(const std::string& id) const {
    return services_.app_name.empty() ? id : services_.app_name + "/" + id;
  }
  void on_request(Incoming&& in, Respond respond);
  // Runs a routed request in its component (on a worker, or inline for self
  // requests). With `streamed`, the executor may answer through
  // Incoming::stream itself (then *streamed is set and the returned
  // response is only its head, for the log).
  Outgoing run(const State& st, Incoming& in, RouteMatch& m, bool* streamed = nullptr);
  // Health, info and 404: answered without a guest; nullopt for a route.
  std::optional<Outgoing> answer_without_guest(const State& st, std::string_view path,
                                               std::optional<RouteMatch>& m);
  host::LocalResponse serve_local(host::LocalRequest& r);
  // The request log line and the metrics of one answered request.
  void log_request(const Incoming& in, metrics::HttpComponent& counted, unsigned status,
                   Clock::time_point start);

  Services services_;
  std::string scheme_ = "http";  // "https" when serving TLS
  metrics::HttpComponent& unrouted_ = metrics::http_component("-");
  std::shared_ptr<const State> next_;
  std::atomic<std::shared_ptr<const State>> current_;
  std::atomic<bool> unready_{false};  // shutting down: health answers 503
  std::unique_ptr<Server> server_;    // null when it serves through a shared one
  bool started_ = false;
};

bool HttpTrigger::configure(std::shared_ptr<const AppVersion> version, std::string& error) {
  auto st = std::make_shared<State>();
  const manifest::App& app = *version->app;
  st->base = app.http ? app.http->base : "/";
  std::vector<const manifest::HttpTrigger*> routed;
  for (const manifest::HttpTrigger* t : app.http_triggers()) {
    const ComponentRuntime* c = version->component(t->component);
    if (!c) continue;
    routed.push_back(t);
    if (st->served.count(c->id)) continue;
    abi::ComponentConfig cc = c->config;
    cc.entrypoint = t->executor.entrypoint;
    cc.argv = t->executor.argv;
    auto kind = t->executor.kind == manifest::Executor::Kind::Wagi ? abi::ExecutorKind::Wagi
                                                                   : abi::ExecutorKind::Spin;
    abi::PrepareResult prepared = abi::make_executor(kind, c->module, cc);
    if (!prepared.ok()) {
      error = "spindle up: " + prepared.error;
      return false;
    }
    st->served.emplace(c->id, Served{version->components.at(c->id), prepared.executor,
                                     &metrics::http_component(qualified(c->id))});
  }
  st->router = Router(routed);
  st->info_json = "{\"name\":\"" + json_escape(app.name) + "\",\"version\":\"" +
                  json_escape(app.version) + "\",\"server\":\"spindle 0.1.0\"}";
  st->version = std::move(version);
  next_ = std::move(st);
  return true;
}

bool HttpTrigger::stream_body(std::string_view, std::string_view target) {
  std::shared_ptr<const State> st = current_.load();
  std::optional<RouteMatch> m;
  if (answer_without_guest(*st, abi::uri_path(target), m)) return false;
  return st->served.at(m->component).executor->kind() == "wasi-http";
}

bool HttpTrigger::start(std::string& error) {
  current_.store(next_);
  if (started_) return true;
  if (shared()) {
    scheme_ = services_.shared_origin.substr(0, services_.shared_origin.find("://"));
    if (services_.self) services_.self->set(services_.shared_origin);
    started_ = true;
    return true;
  }
  ServerOptions so;
  so.listen = services_.listen;
  so.threads = services_.io_threads;
  so.tls_cert = services_.tls_cert;
  so.tls_key = services_.tls_key;
  if (!so.tls_cert.empty()) scheme_ = "https";
  // wasi:http guests read their request body as it arrives; the Spin 1
  // ABI and WAGI take it whole.
  so.stream_body = [this](std::string_view method, std::string_view target, std::string_view) {
    return stream_body(method, target);
  };
  server_ = std::make_unique<Server>();
  if (!server_->start(
          so, [this](Incoming&& in, Respond respond) { on_request(std::move(in), respond); },
          error)) {
    error = "spindle up: " + error;
    return false;
  }
  started_ = true;
  // The app's own address for "self" requests.
  if (services_.self) services_.self->set(scheme_ + "://" + reachable_address(server_->address()));
  return true;
}

void HttpTrigger::describe(std::FILE* out) const {
  auto st = current_.load();
  if (!st) return;
  std::string url_base = origin();
  std::fprintf(out, "Serving %s\nAvailable Routes:\n", url_base.c_str());
  for (const manifest::HttpTrigger* t : st->version->app->http_triggers()) {
    if (t->route.is_private) continue;
    const std::string& path = t->route.prefix == "/" ? std::string() : t->route.prefix;
    std::fprintf(out, "  %s: %s%s%s\n", t->component.c_str(), url_base.c_str(), path.c_str(),
                 t->route.wildcard ? " (wildcard)" : "");
  }
}

std::optional<Outgoing> HttpTrigger::answer_without_guest(const State& st, std::string_view path,
                                                          std::optional<RouteMatch>& m) {
  if (path == kHealthPath) return unready_ ? text(503, "shutting down\n") : text(200, "OK");
  if (path == kInfo) {
    Outgoing out;
    out.headers.emplace_back("content-type", "application/json");
    out.body = st.info_json;
    return out;
  }
  m = st.router.match(path);
  if (!m) return text(404, "Not Found");
  return std::nullopt;
}

void HttpTrigger::on_request(Incoming&& in, Respond respond) {
  // Timed only when logged or counted (log_request): a clock read is not
  // free on a VM.
  auto start = services_.log->quiet() && !metrics::enabled() ? Clock::time_point{} : Clock::now();
  std::shared_ptr<const State> st = current_.load();  // this request's version
  std::optional<RouteMatch> m;
  if (auto out = answer_without_guest(*st, abi::uri_path(in.uri), m)) {
    log_request(in, unrouted_, out->status, start);
    return respond(std::move(*out));
  }
  metrics::HttpComponent& counted = *st->served.at(m->component).metrics;
  auto serve = [this, start, &counted](const State& st, Incoming& in, RouteMatch& m,
                                       const Respond& respond) {
    bool streamed = false;
    Outgoing out = run(st, in, m, &streamed);
    log_request(in, counted, out.status, start);
    if (!streamed) respond(std::move(out));
  };
  // Run here, the request is served before this returns: nothing is moved
  // or copied for it. A body still arriving can hold the guest for as long
  // as the client takes: on a worker.
  if (!in.body_source && handler_may_block()) {
    auto job = [&] { serve(*st, in, *m, respond); };
    if (services_.workers->run_here(job)) return;
  }
  // Shed requests are logged with what is known before the move below.
  std::string method = in.method, target = in.uri, component = m->component;
  auto job = [serve, st, in = std::move(in), m = std::move(*m), respond]() mutable {
    serve(*st, in, m, respond);
  };
  bool queued = services_.workers->submit(std::move(job));
  if (!queued) {
    Outgoing out = text(503, "Service Unavailable: every worker is busy; retry shortly\n");
    out.headers.emplace_back("retry-after", "1");
    services_.log->error("component `" + qualified(component) + "`: request " + method + " " +
                         target + " shed with 503: " + std::to_string(services_.workers->queued()) +
                         " requests already queued for " +
                         std::to_string(services_.workers->threads()) + " workers");
    Incoming shed;
    shed.method = std::move(method);
    shed.uri = std::move(target);
    log_request(shed, counted, out.status, start);
    respond(std::move(out));
  }
}

Outgoing HttpTrigger::run(const State& st, Incoming& in, RouteMatch& m, bool* streamed) {
  const Served& s = st.served.at(m.component);
  const ComponentRuntime& c = *s.component;
  // Headers and body are moved, not copied (method and uri stay for the
  // log). The executors give the guest the request's facts (CallInfo) as
  // their ABI wants them: `spin-*` headers, CGI variables.
  abi::Request req;
  req.method = in.method;
  req.uri = in.uri;
  req.headers = std::move(in.headers);
  req.body = std::move(in.body);
  req.body_source = std::move(in.body_source);
  if (req.body_source && s.executor->kind() != "wasi-http") {
    std::string error;
    if (!read_whole(*req.body_source, ServerOptions{}.max_body_bytes, req.body, error))
      return text(400, error + "\n");
    req.body_source.reset();
  }
  abi::CallInfo ci;
  ci.base = st.base;
  ci.matched_route = std::move(m.matched_route);
  ci.raw_component_route = std::move(m.raw_route);
  ci.component_route = std::move(m.component_route);
  ci.path_info = std::move(m.path_info);
  ci.path_params = std::move(m.params);
  ci.client_addr = in.client_addr;
  ci.host = in.host;
  ci.scheme = scheme_;
  ci.limits = c.limits;
  if (streamed) ci.stream = std::move(in.stream);
  abi::Result r = s.executor->handle(req, ci);
  if (streamed) *streamed = r.streamed;
  c.write_output(*services_.log, r.guest_stdout, r.guest_stderr);
  Outgoing out;
  out.status = r.response.status;
  out.headers = std::move(r.response.headers);
  out.body = std::move(r.response.body);
  if (!r.error.empty()) {
    services_.log->error("component `" + qualified(c.id) + "` failed: " + r.error);
    if (out.body.empty() && out.status >= 500) {
      out.body = failure_body(r, c.limits);
      out.headers.emplace_back("content-type", "text/plain");
    }
  }
  return out;
}

host::LocalResponse HttpTrigger::serve_local(host::LocalRequest& r) {
  auto start = Clock::now();
  Incoming in;
  in.method = std::move(r.method);
  in.uri = std::move(r.uri);
  for (auto& [k, v] : r.headers)
    in.headers.emplace_back(spindle::http::lowercase(std::move(k)), std::move(v));
  in.body = std::move(r.body);
  in.client_addr = "127.0.0.1:0";
  std::string origin = services_.self ? services_.self->get() : "";
  if (auto sep = origin.find("://"); sep != std::string::npos) origin.erase(0, sep + 3);
  in.host = std::move(origin);
  std::shared_ptr<const State> st = current_.load();
  std::optional<RouteMatch> m;
  std::optional<Outgoing> out = answer_without_guest(*st, abi::uri_path(in.uri), m);
  metrics::HttpComponent& counted = m ? *st->served.at(m->component).metrics : unrouted_;
  if (!out) out = run(*st, in, *m);
  log_request(in, counted, out->status, start);
  return std::move(*out);
}

void HttpTrigger::log_request(const Incoming& in, metrics::HttpComponent& counted, unsigned status,
                              Clock::time_point start) {
  bool quiet = services_.log->quiet();
  if (quiet && !metrics::enabled()) return;
  auto took = Clock::now() - start;
  counted.record(status, took);
  if (quiet) return;
  double ms = std::chrono::duration<double, std::milli>(took).count();
  services_.log->request(in.method, abi::uri_path(in.uri), counted.id(), status, ms);
}

}  // namespace

std::unique_ptr<Trigger> make_trigger(const Services& services) {
  return std::make_unique<HttpTrigger>(services);
}

Endpoint* endpoint_of(Trigger& t) { return dynamic_cast<HttpTrigger*>(&t); }

}  // namespace spindle::trigger::http

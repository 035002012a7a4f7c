#include "abi/wasi_http_executor.h"

#include "abi/common.h"
#include "abi/component_call.h"
#include "abi/wasi_http_types.h"
#include "engine/component/link_component.h"
#include "wasi/p2/context.h"
#include "wasi/p2/host.h"

namespace spindle::abi {

namespace {

using component::Val;
using engine::Outcome;

constexpr std::string_view kHandler = "wasi:http/incoming-handler@0.2.";

class WasiHttpExecutor : public Executor {
 public:
  WasiHttpExecutor(ComponentConfig config, std::shared_ptr<const wasi::Environment> env,
                   std::string handle)
      : config_(std::move(config)), env_(std::move(env)), handle_(std::move(handle)) {
    detail::link_component_host(host_);
  }
  std::string_view kind() const override { return "wasi-http"; }
  Result handle(const Request& req, const CallInfo& info) const override;

 private:
  ComponentConfig config_;
  std::shared_ptr<const wasi::Environment> env_;
  std::string handle_;  // "wasi:http/incoming-handler@0.2.x#handle"
  component::HostImports host_;
};

// The incoming-request with Spin's `spin-*` headers.
uint32_t make_request(wasi::p2::Context& cx, const Request& req, const CallInfo& info) {
  auto headers = std::make_unique<wasi_http::Fields>();
  headers->entries.reserve(req.headers.size() + 8);
  std::string authority = info.host;
  for (const auto& [k, v] : req.headers) {
    std::string key = http::lowercase(k);
    if (key == "host") authority = v;
    // As wasmtime: the guest sees no forbidden header (the host is the authority).
    if (!wasi_http::is_forbidden_header(key)) headers->entries.emplace_back(std::move(key), v);
  }
  auto add = [&](std::string k, std::string v) {
    headers->entries.emplace_back(std::move(k), std::move(v));
  };
  const std::string full_url = detail::spin_full_url(info, authority, req.uri);
  const auto spin = detail::spin_header_values(info, full_url);
  for (size_t j = 0; j < spin.size(); ++j)
    add(std::string(detail::kSpinHeaders[j]), std::string(spin[j]));
  for (const auto& [k, v] : info.path_params) add(std::string(detail::kSpinPathMatch) + k, v);
  headers->immutable = true;
  uint32_t hrep = cx.table().add(std::move(headers));
  auto r = std::make_unique<wasi_http::IncomingRequest>();
  r->method = req.method;
  r->path_with_query = req.uri;
  r->scheme = info.scheme;
  r->authority = authority;
  r->headers = hrep;
  if (req.body_source)
    r->source = req.body_source;
  else
    r->body = std::make_shared<std::string>(req.body);
  return hrep == 0 ? 0 : cx.table().add(std::move(r));
}

// The status and headers of an outgoing-response (the server frames the
// body itself: no content-length or transfer-encoding of the guest's).
Response response_head(wasi::p2::ResourceTable& t, const wasi_http::OutgoingResponse& resp) {
  Response head;
  head.status = resp.status;
  if (auto* h = t.get<wasi_http::Fields>(resp.headers))
    for (const auto& [k, v] : h->entries)
      if (k != "content-length" && k != "transfer-encoding") head.headers.emplace_back(k, v);
  return head;
}

// Sends the guest's response through CallInfo::stream while the guest still
// runs: all at once when the body ends before the guest waits for anything
// (a Content-Length response, sent before the instance is torn down), else
// the head as soon as the guest waits or has written 64 KiB, then the body
// chunk by chunk as it is written.
class Streamer {
 public:
  Streamer(wasi::p2::Context& cx, const http::StartStream& start, uint32_t outparam,
           std::optional<std::chrono::steady_clock::time_point> deadline)
      : cx_(cx), start_(start), outparam_(outparam), deadline_(deadline) {}

  void flush(bool waiting) {
    if (failed_ || ended_) return;
    auto* out = cx_.table().get<wasi_http::ResponseOutparam>(outparam_);
    if (out == nullptr || !out->set || !out->error.empty()) return;
    auto* resp = cx_.table().get<wasi_http::OutgoingResponse>(out->response);
    if (resp == nullptr) return;
    wasi_http::BodyBuffer* b = body_of(resp);
    if (!sink_) {
      bool complete = b && b->finished;
      if (!waiting && !complete && !(b && b->bytes.size() >= kSendAt)) return;
      head_ = response_head(cx_.table(), *resp);
      std::optional<uint64_t> length;
      if (complete && b->trailers.empty()) length = b->bytes.size();
      sink_ = start_(head_, length);
      if (!sink_) {
        failed_ = true;
        return;
      }
    }
    if (b == nullptr) return;
    b->streaming = true;
    if (!b->bytes.empty()) {
      if (!sink_->write(b->bytes, deadline_)) b->broken = true;
      b->bytes.clear();
    }
    if (b->finished) end();
  }

  // The guest returned having set its response: what is left goes out and
  // the body ends (also when the guest never called outgoing-body.finish).
  void end() {
    if (!sink_ || ended_) return;
    auto* out = cx_.table().get<wasi_http::ResponseOutparam>(outparam_);
    auto* resp = out ? cx_.table().get<wasi_http::OutgoingResponse>(out->response) : nullptr;
    wasi_http::BodyBuffer* b = resp ? body_of(resp) : nullptr;
    ended_ = true;
    if (b != nullptr && !b->bytes.empty()) {
      sink_->write(b->bytes, deadline_);
      b->bytes.clear();
    }
    sink_->finish(b != nullptr ? b->trailers : http::Headers{}, deadline_);
  }

  bool started() const { return sink_ != nullptr; }
  bool ended() const { return ended_; }
  const Response& head() const { return head_; }

 private:
  // The response's body buffer, once the guest asked for its body.
  wasi_http::BodyBuffer* body_of(const wasi_http::OutgoingResponse* resp) {
    auto* body = resp->body ? cx_.table().get<wasi_http::OutgoingBody>(resp->body) : nullptr;
    return body ? body->buffer.get() : nullptr;
  }

  static constexpr size_t kSendAt = 64 << 10;
  wasi::p2::Context& cx_;
  const http::StartStream& start_;
  uint32_t outparam_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::unique_ptr<http::BodySink> sink_;  // destroyed unfinished: the connection closes
  Response head_;
  bool failed_ = false, ended_ = false;
};

Result WasiHttpExecutor::handle(const Request& req, const CallInfo& info) const {
  Result result;
  const std::string& id = config_.id;
  detail::CallScope scope(env_, info.limits, config_.capabilities.get());
  wasi::p2::Context p2(scope.context);
  scope.data.wasi_p2 = &p2;
  auto finish = [&]() {
    result.guest_stdout = std::move(scope.context.stdout_buffer());
    result.guest_stderr = std::move(scope.context.stderr_buffer());
  };

  std::string error;
  Outcome outcome;
  auto linked = scope.instantiate([&] {
    return component::LinkedComponent::instantiate(*config_.component, host_, error, &outcome,
                                                   scope.options);
  });
  if (!linked) {
    if (!error.empty())
      detail::fail(result, 500, "component `" + id + "`: " + error);
    else
      detail::fail_trap(result, outcome, id, "instantiation");
    finish();
    return result;
  }
  uint32_t request = make_request(p2, req, info);
  uint32_t outparam = p2.table().add(std::make_unique<wasi_http::ResponseOutparam>());
  if (request == 0 || outparam == 0) {
    detail::fail(result, 500, "component `" + id + "`: too many host objects");
    finish();
    return result;
  }
  std::optional<Streamer> streamer;
  if (info.stream) {
    streamer.emplace(p2, info.stream, outparam, scope.data.deadline);
    p2.flush_output = [&](bool waiting) { streamer->flush(waiting); };
  }
  std::vector<Val> results;
  outcome = linked->call(handle_, std::vector<Val>{Val::own(request), Val::own(outparam)}, results);
  p2.flush_output = nullptr;
  if (streamer && streamer->started()) {
    // The head is out: a failure now can only cut the body short (the
    // streamer closes the connection when it is destroyed unfinished).
    result.streamed = true;
    if (outcome.ok()) streamer->end();
    linked.reset();
    if (!outcome.ok()) {
      detail::fail_trap(result, outcome, id, "wasi:http/incoming-handler.handle");
      if (streamer->ended()) result.response.status = streamer->head().status;
    } else {
      result.response = streamer->head();
    }
    finish();
    return result;
  }
  // The guest's handles end with the instance, before the objects they name.
  linked.reset();
  auto* out = p2.table().get<wasi_http::ResponseOutparam>(outparam);
  if (!outcome.ok()) {
    detail::fail_trap(result, outcome, id, "wasi:http/incoming-handler.handle");
  } else if (out == nullptr || !out->set) {
    detail::fail(result, 500,
                 "component `" + id + "`: the guest returned without setting the response");
  } else if (!out->error.empty()) {
    detail::fail(result, 500, "component `" + id + "`: the guest answered error " + out->error);
  } else if (auto* resp = p2.table().get<wasi_http::OutgoingResponse>(out->response)) {
    result.response = response_head(p2.table(), *resp);
    if (auto* b = p2.table().get<wasi_http::OutgoingBody>(resp->body))
      result.response.body = std::move(b->buffer->bytes);
  } else {
    detail::fail(result, 500, "component `" + id + "`: response-outparam.set with no response");
  }
  finish();
  return result;
}

}  // namespace

PrepareResult make_wasi_http_executor(const ComponentConfig& config) {
  PrepareResult out;
  std::string handle;
  for (const component::Export& e : config.component->file().root().exports)
    if (e.name.starts_with(kHandler)) handle = e.name + "#handle";
  if (handle.empty()) {
    std::string names;
    for (const component::Export& e : config.component->file().root().exports)
      names += (names.empty() ? "" : ", ") + e.name;
    out.error = "component `" + config.id +
                "` is a WebAssembly component that does not export "
                "`wasi:http/incoming-handler@0.2.x` (its exports: " +
                (names.empty() ? std::string("none") : names) + ")";
    return out;
  }
  auto env = config.wasi_environment;
  if (!env) env = make_component_environment(config, out.error);
  if (!env) return out;
  out.executor = std::make_shared<WasiHttpExecutor>(config, std::move(env), std::move(handle));
  return out;
}

}  // namespace spindle::abi

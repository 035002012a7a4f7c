#include "abi/wasi_http_executor.h"

#include "abi/common.h"
#include "abi/wasi_http_types.h"
#include "engine/component/link_component.h"
#include "wasi/p2/context.h"
#include "wasi/p2/host.h"

namespace spindle::abi {

namespace {

using component::Val;
using engine::Outcome;

constexpr std::string_view kHandler = "wasi:http/incoming-handler@0.2.";

// What a host function nothing defines does when called (the component
// still instantiates: most imports of an SDK's world are never called).
component::HostFn missing_import(const std::string& key) {
  return [key](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
    return Outcome::trapped(engine::TrapKind::HostError,
                            "called `" + key + "`, which spindle does not provide");
  };
}

class WasiHttpExecutor : public Executor {
 public:
  WasiHttpExecutor(ComponentConfig config, std::shared_ptr<const wasi::Environment> env,
                   std::string handle)
      : config_(std::move(config)), env_(std::move(env)), handle_(std::move(handle)) {
    wasi::p2::link(host_);
    wasi_http::link(host_);
    host_.fallback = [](const std::string& key, const component::FuncSig&) {
      return missing_import(key);
    };
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
  add("spin-full-url", info.scheme + "://" + authority + req.uri);
  add("spin-path-info", info.path_info);
  add("spin-matched-route", info.matched_route);
  add("spin-base-path", info.base);
  add("spin-raw-component-route", info.raw_component_route);
  add("spin-component-route", info.component_route);
  add("spin-client-addr", info.client_addr);
  for (const auto& [k, v] : info.path_params) add("spin-path-match-" + k, v);
  headers->immutable = true;
  uint32_t hrep = cx.table().add(std::move(headers));
  auto r = std::make_unique<wasi_http::IncomingRequest>();
  r->method = req.method;
  r->path_with_query = req.uri;
  r->scheme = info.scheme;
  r->authority = authority;
  r->headers = hrep;
  r->body = std::make_shared<std::string>(req.body);
  return hrep == 0 ? 0 : cx.table().add(std::move(r));
}

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
  auto linked = component::LinkedComponent::instantiate(*config_.component, host_, error, &outcome,
                                                        scope.options);
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
  std::vector<Val> results;
  outcome = linked->call(handle_, std::vector<Val>{Val::own(request), Val::own(outparam)}, results);
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
    result.response.status = resp->status;
    if (auto* h = p2.table().get<wasi_http::Fields>(resp->headers)) {
      for (auto& [k, v] : h->entries) {
        // The server frames the (buffered) body itself.
        if (k == "content-length" || k == "transfer-encoding") continue;
        result.response.headers.emplace_back(std::move(k), std::move(v));
      }
    }
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

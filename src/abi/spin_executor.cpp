#include "abi/spin_executor.h"

#include <chrono>
#include <cstdio>
#include <cstring>

#include "abi/common.h"
#include "engine/linking.h"
#include "host/canonical.h"
#include "util/utf8.h"

namespace spindle::abi {

using namespace spindle::engine;

namespace {

constexpr ValType I32 = ValType::I32;
const FuncType kHandleType{std::vector<ValType>(10, I32), {I32}};
const FuncType kReallocType{{I32, I32, I32, I32}, {I32}};
const FuncType kFreeType{{I32, I32, I32}, {}};
const FuncType kInitializeType{{}, {}};

constexpr uint32_t kPairSize = 16;  // (k_ptr, k_len, v_ptr, v_len)
constexpr uint32_t kPairAlign = 4;
constexpr uint32_t kRetAreaSize = 28;
constexpr uint32_t kRetAreaAlign = 4;
// A guest may return at most this many headers (a bound on host work; no
// real response comes close).
constexpr uint32_t kMaxResponseHeaders = 1 << 16;

using host::hex;

struct ReturnArea {
  uint16_t status;
  uint8_t headers_tag;
  uint32_t headers_ptr, headers_len;
  uint8_t body_tag;
  uint32_t body_ptr, body_len;
};

template <class T>
T load_at(const uint8_t* base, size_t off) {
  T v;
  std::memcpy(&v, base + off, sizeof v);
  return v;
}

class SpinExecutor final : public Executor {
 public:
  SpinExecutor(std::unique_ptr<detail::Prepared> p, std::shared_ptr<const wasi::Environment> env)
      : p_(std::move(p)), env_(std::move(env)) {}

  std::string_view kind() const override { return "spin"; }
  Result handle(const Request& req, const CallInfo& info) const override;

 private:
  bool lower_and_call(host::CanonicalAbi& g, const Request& req, const CallInfo& info, int method,
                      uint32_t& ret) const;
  bool lift(host::CanonicalAbi& g, uint32_t ret, Response& out) const;

  std::unique_ptr<detail::Prepared> p_;
  std::shared_ptr<const wasi::Environment> env_;
};

bool SpinExecutor::lower_and_call(host::CanonicalAbi& g, const Request& req, const CallInfo& info,
                                  int method, uint32_t& ret) const {
  uint32_t uri_ptr = 0;
  if (!g.put(req.uri, uri_ptr)) return false;

  // The request's headers, then Spin's `spin-*` headers (from `info`),
  // written straight from where they are.
  const std::string full_url = detail::spin_full_url(info, info.host, req.uri);
  const auto spin = detail::spin_header_values(info, full_url);
  constexpr size_t kSpin = detail::kSpinHeaders.size();
  const size_t count = req.headers.size() + kSpin + info.path_params.size();
  uint64_t list_bytes = uint64_t{kPairSize} * count;
  if (list_bytes > UINT32_MAX) {
    g.violation = "too many request headers";
    return false;
  }
  uint32_t hdrs_ptr = 0;
  if (!g.alloc(kPairAlign, static_cast<uint32_t>(list_bytes), hdrs_ptr)) return false;
  std::string match;  // "spin-path-match-<name>"
  for (size_t i = 0; i < count; ++i) {
    std::string_view name, value;
    if (i < req.headers.size()) {
      name = req.headers[i].first;
      value = req.headers[i].second;
    } else if (size_t j = i - req.headers.size(); j < kSpin) {
      name = detail::kSpinHeaders[j];
      value = spin[j];
    } else {
      const auto& [param, v] = info.path_params[j - kSpin];
      match = std::string(detail::kSpinPathMatch) + param;
      name = match;
      value = v;
    }
    uint32_t k = 0, v = 0;
    if (!g.put(name, k) || !g.put(value, v)) return false;
    uint32_t elem[4] = {k, static_cast<uint32_t>(name.size()), v,
                        static_cast<uint32_t>(value.size())};
    // The list was checked when allocated; memory only grows since.
    std::memcpy(g.memory().data + hdrs_ptr + i * kPairSize, elem, sizeof elem);
  }
  uint32_t params_ptr = 0;
  if (!g.alloc(kPairAlign, 0, params_ptr)) return false;
  uint32_t body_ptr = 0;
  if (!g.put(req.body, body_ptr)) return false;

  Value args[10] = {Value::from_i32(static_cast<uint32_t>(method)),
                    Value::from_i32(uri_ptr),
                    Value::from_i32(static_cast<uint32_t>(req.uri.size())),
                    Value::from_i32(hdrs_ptr),
                    Value::from_i32(static_cast<uint32_t>(count)),
                    Value::from_i32(params_ptr),
                    Value::from_i32(0),
                    Value::from_i32(1),  // body: Some
                    Value::from_i32(body_ptr),
                    Value::from_i32(static_cast<uint32_t>(req.body.size()))};
  Value res[1];
  if (!g.call(g.handler, "handle-http-request", args, res)) return false;
  ret = res[0].i32;
  return true;
}

bool SpinExecutor::lift(host::CanonicalAbi& g, uint32_t ret, Response& out) const {
  GuestMemory m = g.memory();
  if (!m.in_bounds(ret, kRetAreaSize) || ret % kRetAreaAlign != 0) {
    g.violation = "handle-http-request returned " + hex(ret) +
                  ", not a valid 28-byte return area in guest memory";
    return false;
  }
  // The area is read once: later calls (canonical_abi_free) may reuse it.
  const uint8_t* a = m.data + ret;
  ReturnArea r{load_at<uint16_t>(a, 0),  load_at<uint8_t>(a, 4),  load_at<uint32_t>(a, 8),
               load_at<uint32_t>(a, 12), load_at<uint8_t>(a, 16), load_at<uint32_t>(a, 20),
               load_at<uint32_t>(a, 24)};
  if (r.headers_tag > 1 || r.body_tag > 1) {
    g.violation = "invalid option discriminant in the response (headers " +
                  std::to_string(r.headers_tag) + ", body " + std::to_string(r.body_tag) + ")";
    return false;
  }

  Headers headers;
  if (r.headers_tag == 1) {
    uint64_t bytes = uint64_t{r.headers_len} * kPairSize;
    if (r.headers_len > kMaxResponseHeaders) {
      g.violation = "response has " + std::to_string(r.headers_len) + " headers (at most " +
                    std::to_string(kMaxResponseHeaders) + ")";
      return false;
    }
    if (!m.in_bounds(r.headers_ptr, bytes)) {
      g.violation = "response headers list at " + hex(r.headers_ptr) + " with " +
                    std::to_string(r.headers_len) + " entries is outside guest memory";
      return false;
    }
    if (r.headers_ptr % kPairAlign != 0) {
      g.violation = "response headers list at " + hex(r.headers_ptr) + " is not aligned to 4";
      return false;
    }
    headers.reserve(r.headers_len);
    for (uint32_t i = 0; i < r.headers_len; ++i) {
      // Re-read through the current view: a free may have grown memory.
      GuestMemory cur = g.memory();
      const uint8_t* e = cur.data + r.headers_ptr + uint64_t{i} * kPairSize;
      uint32_t kp = load_at<uint32_t>(e, 0), kl = load_at<uint32_t>(e, 4);
      uint32_t vp = load_at<uint32_t>(e, 8), vl = load_at<uint32_t>(e, 12);
      std::string k, v;
      if (!g.lift_string(kp, kl, k, {"response header", i, "name"})) return false;
      if (!g.lift_string(vp, vl, v, {"response header", i, "value"})) return false;
      headers.emplace_back(std::move(k), std::move(v));
    }
    if (!g.release(r.headers_ptr, static_cast<uint32_t>(bytes), kPairAlign)) return false;
  }

  std::string body;
  if (r.body_tag == 1) {
    if (!g.copy_out(r.body_ptr, r.body_len, body, "response body")) return false;
    if (!g.release(r.body_ptr, r.body_len, 1)) return false;
  }

  if (r.status < 100 || r.status > 599) {
    g.violation = "malformed HTTP status code " + std::to_string(r.status);
    return false;
  }
  out.status = r.status;
  out.headers.clear();
  for (auto& [k, v] : headers) {
    if (!is_header_name(k)) {
      g.violation = "invalid response header name \"" + k + "\"";
      return false;
    }
    if (!is_header_value(v)) {
      g.violation = "invalid value for response header \"" + k + "\"";
      return false;
    }
    k = http::lowercase(std::move(k));
    // As http::HeaderMap::insert: a repeated name keeps the last value.
    bool replaced = false;
    for (auto& [ok, ov] : out.headers) {
      if (ok == k) {
        ov = std::move(v);
        replaced = true;
        break;
      }
    }
    if (!replaced) out.headers.emplace_back(std::move(k), std::move(v));
  }
  out.body = std::move(body);
  return true;
}

Result SpinExecutor::handle(const Request& req, const CallInfo& info) const {
  Result result;
  const std::string& id = p_->config.id;
  int method = spin_method_index(req.method);
  if (method < 0) {
    detail::fail(result, 405, "method " + req.method + " is not supported by the Spin HTTP ABI");
    return result;
  }

  detail::CallScope scope(env_, info.limits, p_->config.capabilities.get());
  wasi::Context& context = scope.context;

  auto finish = [&]() {
    result.guest_stdout = std::move(context.stdout_buffer());
    result.guest_stderr = std::move(context.stderr_buffer());
  };

  InstantiateResult inst =
      scope.instantiate([&] { return p_->module->instantiate(*p_->linker, scope.options); });
  if (!inst.ok()) {
    if (!inst.link_error.empty())
      detail::fail(result, 500, "component `" + id + "`: " + inst.link_error);
    else
      detail::fail_trap(result, inst.outcome, id, "instantiation");
    finish();
    return result;
  }
  Instance& instance = *inst.instance;
  scope.host.instance = &instance;
  host::CanonicalAbi g(instance, instance.get_export("handle-http-request"));
  if (!g.complete()) {
    detail::fail(result, 500, "component `" + id + "`: instance lacks a Spin ABI export");
    finish();
    return result;
  }

  bool ok = true;
  if (p_->has_initialize) ok = g.call(instance.get_export("_initialize"), "_initialize", {}, {});
  uint32_t ret = 0;
  ok = ok && lower_and_call(g, req, info, method, ret) && lift(g, ret, result.response);
  if (!ok) {
    if (!g.violation.empty())
      detail::fail(result, 500, "component `" + id + "`: " + g.violation);
    else
      detail::fail_trap(result, g.outcome, id, g.during);
  }
  finish();
  return result;
}

}  // namespace

int spin_method_index(std::string_view m) {
  static constexpr std::string_view kMethods[] = {"GET",   "POST", "PUT",    "DELETE",
                                                  "PATCH", "HEAD", "OPTIONS"};
  for (int i = 0; i < 7; ++i)
    if (m == kMethods[i]) return i;
  return -1;
}

PrepareResult detail::make_spin_executor(std::unique_ptr<Prepared> p) {
  PrepareResult out;
  const ComponentConfig& config = p->config;
  const Module& m = *p->module;

  // Exports, in the order wit-bindgen looks them up.
  std::string missing;
  bool no_free = false;
  auto need = [&](std::string_view name, const FuncType& t) {
    const ExportDesc* e = detail::find_export(m, name);
    if (e && e->type.kind == ExternKind::Func && e->type.func == t) return;
    if (!missing.empty()) missing += "; ";
    if (!e)
      missing += "it does not export `" + std::string(name) + "`";
    else
      missing += "its export `" + std::string(name) + "` is " + describe_type(e->type) +
                 ", expected " + to_string(t);
    if (name == "canonical_abi_free" && !e) no_free = true;
  };
  need("handle-http-request", kHandleType);
  need("canonical_abi_free", kFreeType);
  need("canonical_abi_realloc", kReallocType);
  const ExportDesc* mem = detail::find_export(m, "memory");
  if (!mem || mem->type.kind != ExternKind::Memory) {
    if (!missing.empty()) missing += "; ";
    missing += "it does not export its `memory`";
  }
  if (!missing.empty()) {
    out.error =
        "component `" + config.id + "` is not compatible with the Spin executor: " + missing;
    if (no_free) out.error += " - should this use the wagi executor?";
    return out;
  }
  const ExportDesc* init = detail::find_export(m, "_initialize");
  if (init) {
    if (init->type.kind != ExternKind::Func || init->type.func != kInitializeType) {
      out.error = "component `" + config.id + "`: its export `_initialize` is " +
                  describe_type(init->type) + ", expected () -> ()";
      return out;
    }
    p->has_initialize = true;
  }

  // Spin gives its executor's guests no arguments.
  auto env = detail::link_and_environment(*p, out.error);
  if (!env) return out;
  out.executor = std::make_shared<SpinExecutor>(std::move(p), std::move(env));
  return out;
}

}  // namespace spindle::abi

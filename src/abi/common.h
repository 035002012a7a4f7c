// Internal to src/abi: what both executors share.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "abi/executor.h"
#include "engine/engine.h"
#include "util/metrics.h"
#include "wasi/wasi.h"

namespace spindle::abi::detail {

// Spin's `spin-*` request headers, in Spin's order (after the request's
// own, and before one `spin-path-match-<name>` per path parameter).
inline constexpr std::array<std::string_view, 7> kSpinHeaders = {
    "spin-full-url",   "spin-path-info",           "spin-matched-route",
    "spin-base-path",  "spin-raw-component-route", "spin-component-route",
    "spin-client-addr"};
inline constexpr std::string_view kSpinPathMatch = "spin-path-match-";
// Their values, from what the trigger knows of the request; `full_url` is
// spin_full_url()'s (viewed, not copied).
std::array<std::string_view, 7> spin_header_values(const CallInfo& info,
                                                   const std::string& full_url);
// "scheme://authority/path?query".
std::string spin_full_url(const CallInfo& info, std::string_view authority, std::string_view uri);
// One of the above (a request header of that name is the trigger's).
bool is_spin_header(std::string_view name);

// The export named `name`, or null.
const engine::ExportDesc* find_export(const engine::Module& m, std::string_view name);

// True when `name` is an exported function of exactly type `t`.
bool exports_func(const engine::Module& m, std::string_view name, const engine::FuncType& t);

// Everything prepared once per component, whatever the executor.
struct Prepared {
  std::shared_ptr<engine::Module> module;
  ComponentConfig config;
  // WASI and every capability: the process's linker, shared (a copy costs
  // about 15 KiB per component, which adds up over thousands of apps), or
  // own_linker when trapping stubs had to be added.
  const engine::Linker* linker = nullptr;
  std::optional<engine::Linker> own_linker;
  std::deque<std::string> stub_names;  // HostFunc::data of the stubs
  bool has_initialize = false;         // exports `_initialize: () -> ()`
};

// The executors, from a Prepared holding the module and its config (see
// make_executor, which makes it).
PrepareResult make_spin_executor(std::unique_ptr<Prepared> p);
PrepareResult make_wagi_executor(std::unique_ptr<Prepared> p);

// Fills `p.linker` (WASI) and checks every import of the module against it.
// Returns an error message, or "" when every import is satisfied.
std::string link_imports(Prepared& p);

// The WASI Config for the component: files at "/" read-only, environment,
// captured stdio.
wasi::Config base_wasi_config(const ComponentConfig& c);

// What every executor does last when preparing: link the imports (WASI and
// the host capabilities), then the component's WASI environment (the one
// made once for all its executors, else make_component_environment()). Null
// with `error` set (prefixed with the component) on failure.
std::shared_ptr<const wasi::Environment> link_and_environment(Prepared& p, std::string& error);

// What every call into a component sets up: its WASI context, the host
// capabilities' per-request state, and the instance options with one
// deadline for the whole call (however many guest calls it takes), which
// WASI waits and host calls also respect.
struct CallScope {
  wasi::Context context;
  host::CallState host;
  engine::InstanceData data;  // points at context and host
  engine::InstanceOptions options;
  CallScope(std::shared_ptr<const wasi::Environment> env, const engine::InstanceOptions& limits,
            const host::Bindings* bindings);
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  ~CallScope();  // (a call is an instance in flight: util/metrics.h)

  // Returns make() (the instantiation), timed for the metrics when on.
  template <class Make>
  auto instantiate(Make&& make) {
    if (!metrics::enabled()) return make();
    auto start = std::chrono::steady_clock::now();
    auto made = make();
    metrics::instantiated(std::chrono::steady_clock::now() - start);
    return made;
  }
};

// A response the executor gives on the guest's behalf.
void fail(Result& r, uint16_t status, std::string error, std::string body = {});

// The response for a guest that trapped (or exited) during `what`:
// 504 for a timeout, 500 otherwise.
void fail_trap(Result& r, const engine::Outcome& o, std::string_view component,
               std::string_view what);

}  // namespace spindle::abi::detail

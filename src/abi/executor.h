// Executors: run one HTTP request through a component's guest ABI.
//
//   spin  — the Spin 1.x HTTP ABI (`handle-http-request` and the canonical
//           ABI of wit-bindgen 0.2), see spin_executor.h;
//   wagi  — CGI over WASI (`_start`, request on stdin and in the environment,
//           response on stdout), see wagi_executor.h;
//   wasi-http — a component exporting wasi:http/incoming-handler 0.2,
//           see wasi_http_executor.h.
//
// Life cycle: make_executor() does everything that can be done once per
// component — checks the module's exports and imports (a module that cannot
// serve requests is refused here, with the reason, not on every request),
// builds the Linker with WASI, and opens the component's `files` directory
// for the WASI Environment. handle() then does only the per-request work:
// a wasi::Context, one fresh instance, the calls. An Executor is immutable
// after creation and handle() may run on many threads at once.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/http.h"
#include "engine/engine.h"
#include "host/call.h"

namespace spindle::wasi {
class Environment;
}
namespace spindle::component {
class LinkPlan;
}

namespace spindle::abi {

// What the trigger knows about the request beyond the request itself: the
// route that matched (the Router's RouteMatch), who asked, which server, and
// the per-request instance limits.
struct CallInfo {
  std::string base = "/";           // the app's base path: X_BASE_PATH
  std::string matched_route;        // base + raw route ("/api/..."): X_MATCHED_ROUTE
  std::string raw_component_route;  // the route as written ("/..."): X_RAW_COMPONENT_ROUTE
  std::string component_route;      // raw route without "/...": X_COMPONENT_ROUTE
  std::string path_info;            // the path after the route, raw: PATH_INFO
  std::vector<std::pair<std::string, std::string>> path_params;  // ":name" segments
  std::string client_addr;  // "ip:port" (or "[v6]:port"): X_CLIENT_ADDR, REMOTE_ADDR
  // The server as the client addressed it ("example.com:3000"): used when
  // the request has no `host` header (SERVER_NAME, SERVER_PORT, X_FULL_URL).
  std::string host = "localhost";
  std::string scheme = "http";        // "https" behind TLS
  std::string protocol = "HTTP/1.1";  // SERVER_PROTOCOL
  // Answers with a streamed body (the wasi:http executor, once the guest
  // has set its response and waits or writes much); null: the executor
  // answers with Result::response.
  http::StartStream stream;
  // Limits for this request's instance (`user` is ignored: the executor sets
  // it). The timeout applies to each call into the guest.
  engine::InstanceOptions limits;
};

// Everything an executor reports about one request.
struct Result {
  Response response;
  std::string guest_stdout;  // what the guest wrote (for <component>_stdout.txt)
  std::string guest_stderr;
  // Empty when the response is the guest's own answer; otherwise why the
  // executor answered for it (405, 500, 502, 504), for the log.
  std::string error;
  engine::TrapKind trap = engine::TrapKind::None;  // when the guest trapped
  // The response went out through CallInfo::stream (`response` holds its
  // status and headers, for the log): there is nothing left to send.
  bool streamed = false;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view kind() const = 0;  // "spin" or "wagi"
  // Runs `req` in a fresh instance. Never throws for guest behaviour: a guest
  // that fails gets an error response (and `error` set).
  virtual Result handle(const Request& req, const CallInfo& info) const = 0;
};

enum class ExecutorKind { Spin, Wagi };

// Per-component settings (from the manifest).
struct ComponentConfig {
  std::string id;  // component id, used in messages
  // Host directory holding the component's `files`, mounted read-only at
  // "/" in the guest; none when the component has no files.
  std::optional<std::filesystem::path> files_dir;
  std::vector<std::pair<std::string, std::string>> environment;  // `environment`
  // The component's WASI environment (files opened, `environment`), made
  // once and shared by all its executors (make_component_environment()); when
  // null, each executor makes its own from files_dir and environment.
  std::shared_ptr<const wasi::Environment> wasi_environment;
  // wagi: the function to call and the argv template.
  std::string entrypoint = "_start";
  std::string argv = "${SCRIPT_NAME} ${ARGS}";
  // Imported functions spindle does not provide are normally refused at
  // preparation; with this set they are defined as functions that trap
  // (HostError) when called, as `wasmtime --trap-unknown-imports` does.
  bool trap_unknown_imports = false;
  // The component's use of each host capability (its permissions: the
  // stores it may open, the hosts it may reach), indexed by
  // host::Capability::index(); null: none configured (every capability's
  // import then fails as "not available to this guest").
  std::shared_ptr<const host::Bindings> capabilities;
  // A WebAssembly component (not a core module): make_executor() serves it
  // with the wasi:http executor (wasi_http_executor.h), whatever the kind.
  std::shared_ptr<const component::LinkPlan> component;
};

struct PrepareResult {
  std::shared_ptr<const Executor> executor;  // set on success
  std::string error;                         // why the component cannot run
  bool ok() const { return executor != nullptr; }
};

// The WASI environment of a component: its files read-only at "/", its
// `environment`, captured stdio. Null with `error` when the files folder
// cannot be opened.
std::shared_ptr<const wasi::Environment> make_component_environment(const ComponentConfig& config,
                                                                    std::string& error);

// Prepares `module` (loaded by any backend) to serve requests; a component
// (config.component set; `module` is then null) gets the wasi:http executor.
PrepareResult make_executor(ExecutorKind kind, std::shared_ptr<engine::Module> module,
                            const ComponentConfig& config);

std::string_view to_string(ExecutorKind k);

}  // namespace spindle::abi

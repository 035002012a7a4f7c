// A host capability (DESIGN.md step 6; Spin 3's "factors"): one folder under
// src/host/ that gives guests one backend (key-value stores, SQLite, outbound
// HTTP, ...) through one or more guest interfaces (the Spin 1 ABI today;
// component-model interfaces next), with three stages:
//
//   link       once per process: defines its imports in the process's Linker
//              (process_linker()); the functions find the calling
//              component's permissions through the instance (bound<T>()).
//   configure  once per app version: reads the manifest keys and the
//              runtime-config sections it owns, validates them, opens its
//              pools and stores; then, per component, the Binding that holds
//              that component's permissions and the app resources it may use.
//   prepare    per instance: CallState::slot<T>() makes the small per-request
//              state (open handles, ...) on first use, so a request that never
//              calls the capability pays nothing.
//
// Adding a capability: a folder with a CMakeLists.txt calling
// spindle_capability(), a Capability implementation, and one line in
// capabilities.cpp. Nothing else names it: AppHost configures every
// registered capability, the manifest reader accepts the component keys it
// declares, and the runtime config hands it the sections it declares.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "host/call.h"
#include "host/self_origin.h"

namespace spindle::component {
struct HostImports;
}
namespace spindle::manifest {
struct App;
struct Component;
struct RuntimeConfig;
}  // namespace spindle::manifest

namespace spindle::host {

// What configure() gets to see.
struct AppContext {
  const manifest::App& app;
  const manifest::RuntimeConfig& runtime;  // sections by name
  std::filesystem::path state_dir;         // <app>/.spin or --state-dir
  // The app's own address and in-process dispatch ("self" requests).
  std::shared_ptr<SelfOrigin> self;
  // Command-line settings a capability owns, by name ("sqlite": the
  // statements of `spindle up --sqlite`).
  const std::map<std::string, std::vector<std::string>>& options;
  bool first_load = true;  // false on reloads (watch, tiered start)
};

// A capability's part of one app version.
class AppState {
 public:
  virtual ~AppState() = default;
  // The component's Binding (its permissions), or null with `error` when a
  // key the capability owns is invalid for this app.
  virtual std::shared_ptr<const Binding> bind(const manifest::Component& c,
                                              std::string& error) const = 0;
};

class Capability {
 public:
  Capability();
  virtual ~Capability() = default;
  Capability(const Capability&) = delete;
  Capability& operator=(const Capability&) = delete;

  // "key-value", "outbound-http", ... (messages, docs).
  virtual std::string_view name() const = 0;
  // Keys of a manifest component table it owns beyond Spin's own (Spin's,
  // like `key_value_stores`, the manifest reads itself).
  virtual std::vector<std::string> component_keys() const { return {}; }
  // Top-level tables of the runtime config file it owns ("key_value_store").
  virtual std::vector<std::string> runtime_sections() const { return {}; }
  virtual void link(engine::Linker& linker) const = 0;
  // Defines its component-model interfaces (`fermyon:spin/key-value@2.0.0`,
  // `wasi:keyvalue/store@0.2.0-draft2`, ...) in `host` (wasi/p2/define.h).
  // Their functions find the calling component's Binding through the
  // instance, as link()'s do (bound<T>(InstanceData*, index)); handles live
  // in the instance's wasi::p2::Context table.
  virtual void link_component(component::HostImports&) const {}
  // Null with `error` (file:line:column where it can say) when the app's
  // settings for it are invalid or its resources cannot be opened.
  virtual std::shared_ptr<const AppState> configure(const AppContext& ctx,
                                                    std::string& error) const = 0;

  // Its position in capabilities() (and in every component's bindings).
  size_t index() const { return index_; }

 private:
  size_t index_;
};

// Every capability, in registration order (capabilities.cpp).
const std::vector<const Capability*>& capabilities();

// Every capability's component keys, and runtime-config sections (for the
// manifest and runtime-config readers).
std::vector<std::string> component_keys();
std::vector<std::string> runtime_sections();

// WASI and every capability's imports: made once per process.
const engine::Linker& process_linker();

// Every capability's component-model interfaces (link_component), for the
// executors of components (with WASI 0.2's, wasi/p2/host.h).
void link_components(component::HostImports& host);

// One app version's capabilities: configure() of each, then bind() per
// component.
class AppCapabilities {
 public:
  // Null with `error` when a capability refuses the app.
  static std::shared_ptr<const AppCapabilities> configure(const AppContext& ctx,
                                                          std::string& error);
  // The component's bindings, indexed by Capability::index().
  std::shared_ptr<const Bindings> bind(const manifest::Component& c, std::string& error) const;

 private:
  std::vector<std::shared_ptr<const AppState>> states_;
};

}  // namespace spindle::host

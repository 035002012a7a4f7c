// The registry's generic part: what AppHost and the readers ask of every
// registered capability (the list itself is capabilities.cpp).
#include "host/capability.h"

#include <atomic>

#include "manifest/manifest.h"
#include "wasi/wasi.h"

namespace spindle::host {

namespace {
size_t next_capability_index() {
  static std::atomic<size_t> n{0};
  return n++;
}
}  // namespace

Capability::Capability() : index_(next_capability_index()) {}

std::vector<std::string> component_keys() {
  std::vector<std::string> out;
  for (const Capability* c : capabilities()) {
    auto keys = c->component_keys();
    out.insert(out.end(), keys.begin(), keys.end());
  }
  return out;
}

std::vector<std::string> runtime_sections() {
  std::vector<std::string> out;
  for (const Capability* c : capabilities()) {
    auto names = c->runtime_sections();
    out.insert(out.end(), names.begin(), names.end());
  }
  return out;
}

const engine::Linker& process_linker() {
  static const engine::Linker linker = [] {
    engine::Linker l;
    wasi::link(l);
    for (const Capability* c : capabilities()) c->link(l);
    return l;
  }();
  return linker;
}

void link_components(component::HostImports& host) {
  for (const Capability* c : capabilities()) c->link_component(host);
}

std::shared_ptr<const AppCapabilities> AppCapabilities::configure(const AppContext& ctx,
                                                                  std::string& error) {
  auto out = std::make_shared<AppCapabilities>();
  for (const Capability* c : capabilities()) {
    auto state = c->configure(ctx, error);
    if (!state) return nullptr;
    if (out->states_.size() <= c->index()) out->states_.resize(c->index() + 1);
    out->states_[c->index()] = std::move(state);
  }
  return out;
}

std::shared_ptr<const Bindings> AppCapabilities::bind(const manifest::Component& c,
                                                      std::string& error) const {
  auto out = std::make_shared<Bindings>(states_.size());
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i]) continue;
    (*out)[i] = states_[i]->bind(c, error);
    if (!(*out)[i]) return nullptr;
  }
  return out;
}

}  // namespace spindle::host

#include "wasi/p2/define.h"

#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace spindle::wasi::p2 {

namespace {

std::string key(std::string_view iface, std::string_view member) {
  std::string k(iface);
  if (iface.find('@') == std::string_view::npos) {
    k += '@';
    k += kVersion;
  }
  k += '#';
  k += member;
  return k;
}

}  // namespace

void define(component::HostImports& host, std::string_view iface, std::string_view member, Fn fn) {
  std::string k = key(iface, member);
  host.funcs[k] = [fn = std::move(fn), k](engine::InstanceData* d,
                                          std::span<const component::Val> params,
                                          std::vector<component::Val>& results) {
    bool overread = false;
    engine::Outcome o = fn(d, Params(params, &overread), results);
    if (!overread) return o;
    return engine::Outcome::trapped(
        engine::TrapKind::HostError,
        "`" + k + "` was called with " + std::to_string(params.size()) +
            " parameters: the component declares this import with a type other than WASI's");
  };
}

void define_cx(component::HostImports& host, std::string_view iface, std::string_view member,
               CxFn fn) {
  define(host, iface, member,
         [fn = std::move(fn), iface = std::string(iface)](engine::InstanceData* d, Params params,
                                                          Results& results) {
           Context* cx = context_of(d);
           if (cx == nullptr) return no_context(iface);
           return fn(*cx, d, params, results);
         });
}

void define_resource(component::HostImports& host, std::string_view iface, std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, component::ResourceType, std::less<>> types;
  std::string k = key(iface, name);
  std::lock_guard lock(mu);
  auto [it, fresh] = types.try_emplace(k);
  if (fresh) {
    it->second.name = k;
    it->second.dtor = [](engine::InstanceData* d, uint32_t rep) {
      if (Context* cx = context_of(d)) cx->table().remove(rep);
      return engine::Outcome::success();
    };
  }
  host.resources[k] = &it->second;
}

engine::Outcome no_context(std::string_view iface) {
  return engine::Outcome::trapped(engine::TrapKind::HostError,
                                  std::string(iface) + ": the WASI 0.2 host has no instance state");
}

}  // namespace spindle::wasi::p2

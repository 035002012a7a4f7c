// Binding a root component's imports to a HostImports (link_host.h).
#include "engine/component/link_host.h"

#include "engine/component/names.h"

namespace spindle::component {

namespace {

// The entry of `map` for `key` (`name` or `interface#member`): exact, else
// one whose interface is semver-compatible.
template <class Map>
typename Map::const_iterator find_key(const Map& map, const std::string& key) {
  if (auto it = map.find(key); it != map.end()) return it;
  size_t hash = key.find('#');
  if (hash == std::string::npos) return map.end();
  auto want = parse_interface_name(std::string_view(key).substr(0, hash));
  if (!want) return map.end();
  std::string_view member = std::string_view(key).substr(hash + 1);
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string_view k = it->first;
    size_t h = k.find('#');
    if (h == std::string::npos || k.substr(h + 1) != member) continue;
    auto have = parse_interface_name(k.substr(0, h));
    if (have && interface_compatible(*want, *have)) return it;
  }
  return map.end();
}

HostBinding::FuncBind bind_func(HostBinding& b, const LinkPlan& plan, const HostImports& host,
                                const std::string& key, std::string_view member, TypeId type) {
  HostBinding::FuncBind f;
  f.member = member;
  if (auto it = find_key(host.funcs, key); it != host.funcs.end()) {
    f.fn = &it->second;
  } else if (host.fallback) {
    if (HostFn fn = host.fallback(key, plan.signature(type))) f.fn = &b.owned.emplace_back(fn);
  }
  if (f.fn == nullptr) f.error = "import '" + key + "' is not provided by the host";
  ++b.num_funcs;
  return f;
}

}  // namespace

std::shared_ptr<const HostBinding> bind_host(const LinkPlan& plan, const HostImports& host) {
  auto b = std::make_shared<HostBinding>();
  const ComponentFile& file = plan.file();
  const auto& types = file.types;
  const Component& root = file.root();
  b->imports.resize(root.imports.size());
  auto bind_resource = [&](HostBinding::ImportBind& ib, const std::string& key, TypeId type) {
    if (auto r = find_key(host.resources, key); r != host.resources.end())
      ib.resources.emplace_back(type, r->second);
  };
  for (size_t i = 0; i < root.imports.size(); ++i) {
    const Import& imp = root.imports[i];
    HostBinding::ImportBind& ib = b->imports[i];
    switch (imp.type.sort) {
      case Sort::Func:
        ib.funcs.push_back(bind_func(*b, plan, host, imp.name, {}, imp.type.type));
        break;
      case Sort::Type:
        bind_resource(ib, imp.name, imp.type.type);
        break;
      case Sort::Instance:
        if (imp.type.type >= types.size()) break;
        for (const ExternDecl& e : types[imp.type.type].exports) {
          std::string key = imp.name + "#" + e.name;
          if (e.type.sort == Sort::Func)
            ib.funcs.push_back(bind_func(*b, plan, host, key, e.name, e.type.type));
          else if (e.type.sort == Sort::Type)
            bind_resource(ib, key, e.type.type);
        }
        break;
      default:
        break;
    }
  }
  return b;
}

}  // namespace spindle::component

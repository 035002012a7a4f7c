// What a root component's imports bind to in one HostImports, resolved once
// per (LinkPlan, HostImports) pair and shared by every instance linked with
// that pair: the host function of every function import (exact key, else a
// semver-compatible one, else HostImports::fallback, called once per key)
// and the host resource type of every resource type an import names.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/component/link_component.h"

namespace spindle::component {

struct HostBinding {
  struct FuncBind {
    std::string_view member;  // the instance export's name ("" for a func import)
    const HostFn* fn = nullptr;
    std::string error;  // when fn is null: why (thrown when the import is used)
  };
  struct ImportBind {
    std::vector<FuncBind> funcs;                                    // in declaration order
    std::vector<std::pair<TypeId, const ResourceType*>> resources;  // bound host types
  };
  std::vector<ImportBind> imports;  // per root import
  size_t num_funcs = 0;             // of every import
  std::deque<HostFn> owned;         // what the fallback returned
};

// Resolves `plan`'s root imports against `host` (no caching).
std::shared_ptr<const HostBinding> bind_host(const LinkPlan& plan, const HostImports& host);

}  // namespace spindle::component

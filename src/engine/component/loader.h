// Loading a WebAssembly component binary (component-model
// design/mvp/Binary.md, version 0x0d, layer 1): parse, build the index
// spaces, validate. The result (model.h) lists the imports with their types,
// the exports, the core modules (as byte ranges the core engine can load),
// the instances and the definitions in instantiation order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/component/model.h"

namespace spindle::component {

// Whether `bytes` starts like a component (magic, then layer 1), as opposed
// to a core module (layer 0).
bool is_component(std::span<const uint8_t> bytes);

// Parses and validates `bytes` into `out`. Returns "" on success, else one
// message naming the file, the section, the byte offset and what was
// expected, e.g. "app.wasm: section 'canon' at offset 0x1a3: core function
// index 12 out of range (9 defined)". Never reads outside `bytes`.
std::string load_component(std::span<const uint8_t> bytes, std::string_view name,
                           ComponentFile& out);

// The bytes of a core module the component embeds.
inline std::span<const uint8_t> module_bytes(std::span<const uint8_t> file,
                                             const CoreModuleDef& m) {
  return file.subspan(m.offset, m.size);
}

// The largest core module of any component in `c` (a Spin JS app's is
// StarlingMonkey); null when there is none.
inline const CoreModuleDef* largest_core_module(const ComponentFile& c) {
  const CoreModuleDef* big = nullptr;
  for (const auto& comp : c.components)
    for (const auto& m : comp.modules_defined)
      if (!big || m.size > big->size) big = &m;
  return big;
}

// A core module without its custom sections: wit-component leaves the
// preview1 adapter's "name" section naming one function more than the
// module has, which WABT (reading debug names) rejects; the code itself is
// valid. `m` must be a well-formed module (as module_bytes() of a loaded
// component is); a shorter input than the preamble is returned as is.
std::vector<uint8_t> without_custom_sections(std::span<const uint8_t> m);
// The same without a copy when it can be: custom sections only after the
// others (the usual layout: names and producers last) leave a prefix of
// `m`; otherwise the copy is made in `storage`.
std::span<const uint8_t> without_custom_sections(std::span<const uint8_t> m,
                                                 std::vector<uint8_t>& storage);

}  // namespace spindle::component

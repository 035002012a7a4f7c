#include "engine/interp/interp_backend.h"

#include <cstring>

#include "engine/describe.h"
#include "engine/interp/objects.h"
#include "engine/validate.h"
#include "wabt/ir.h"

namespace spindle::engine::interp {

namespace {

core::Limits limits(uint32_t min, std::optional<uint32_t> max) {
  core::Limits l;
  l.min = min;
  l.has_max = max.has_value();
  l.max = max.value_or(0);
  return l;
}

class InterpEngine final : public Engine {
 public:
  InterpEngine() { core::configure(supported_features()); }

  Backend backend() const override { return Backend::Interp; }

  LoadResult load(std::span<const uint8_t> wasm, std::string_view name) override {
    wabt::Module m;
    if (std::string err = read_and_validate(wasm, name, m); !err.empty()) return {nullptr, err};
    std::vector<ImportDesc> imports;
    std::vector<ExportDesc> exports;
    describe(m, imports, exports);
    std::string err;
    core::CodePtr code = core::prepare(wasm.data(), wasm.size(), std::string(name), &err);
    if (!code) return {nullptr, err};
    return {std::make_shared<InterpModule>(std::move(imports), std::move(exports), std::move(code)),
            {}};
  }

  ExternPtr new_memory(const MemoryType& t) override {
    ExternType et;
    et.kind = ExternKind::Memory;
    et.memory = t;
    return std::make_shared<InterpExtern>(et, core::new_memory(limits(t.min, t.max)));
  }

  ExternPtr new_table(const TableType& t) override {
    ExternType et;
    et.kind = ExternKind::Table;
    et.table = t;
    return std::make_shared<InterpExtern>(et,
                                          core::new_table(to_core(t.elem), limits(t.min, t.max)));
  }

  ExternPtr new_global(const GlobalType& t, Value v) override {
    ExternType et;
    et.kind = ExternKind::Global;
    et.global = t;
    core::Val cv;
    std::memcpy(static_cast<void*>(&cv), &v, sizeof cv);
    return std::make_shared<InterpExtern>(et, core::new_global(to_core(t.type), t.mut, cv));
  }
};

}  // namespace

std::unique_ptr<Engine> make_engine(const EngineOptions&) {
  return std::make_unique<InterpEngine>();
}

}  // namespace spindle::engine::interp

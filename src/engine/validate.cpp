#include "engine/validate.h"

#include <algorithm>
#include <vector>

#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

namespace spindle::engine {

const wabt::Features& supported_features() {
  static const wabt::Features features = [] {
    wabt::Features f;  // WABT's defaults are exactly the Wasm 2.0 set
    f.enable_mutable_globals();
    f.enable_sat_float_to_int();
    f.enable_sign_extension();
    f.enable_simd();
    f.enable_multi_value();
    f.enable_bulk_memory();
    f.enable_reference_types();
    return f;
  }();
  return features;
}

namespace {

// "function 3 ($name)" for the defined function whose body holds `offset`.
std::string locate(const wabt::Module& m, size_t offset) {
  const wabt::Func* best = nullptr;
  size_t best_index = 0;
  for (size_t i = m.num_func_imports; i < m.funcs.size(); ++i) {
    const wabt::Func* f = m.funcs[i];
    if (f->loc.offset != wabt::kInvalidOffset && f->loc.offset <= offset &&
        (!best || f->loc.offset > best->loc.offset)) {
      best = f;
      best_index = i;
    }
  }
  if (!best) return {};
  std::string s = "function " + std::to_string(best_index);
  if (!best->name.empty()) s += " (" + best->name + ")";
  return s;
}

std::string format(std::string_view name, std::string_view what, const wabt::Errors& errors,
                   const wabt::Module* m) {
  std::string s = std::string(name) + ": " + std::string(what);
  if (errors.empty()) return s + ": unknown error";
  const wabt::Error& e = errors.front();
  std::string where;
  if (m && e.loc.offset != wabt::kInvalidOffset) where = locate(*m, e.loc.offset);
  s += ": ";
  if (!where.empty()) s += where + ": ";
  s += e.message;
  if (e.loc.offset != wabt::kInvalidOffset) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (at byte 0x%zx)", e.loc.offset);
    s += buf;
  }
  return s;
}

}  // namespace

std::string read_and_validate(std::span<const uint8_t> wasm, std::string_view name,
                              wabt::Module& out) {
  wabt::Errors errors;
  wabt::ReadBinaryOptions options(supported_features(), nullptr, /*read_debug_names=*/true,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/true);
  std::string file(name);
  if (wabt::Failed(
          wabt::ReadBinaryIr(file.c_str(), wasm.data(), wasm.size(), options, &errors, &out))) {
    return format(name, "malformed module", errors, &out);
  }
  wabt::ValidateOptions vopts(supported_features());
  if (wabt::Failed(wabt::ValidateModule(&out, &errors, vopts))) {
    return format(name, "invalid module", errors, &out);
  }
  return {};
}

std::string validate(std::span<const uint8_t> wasm, std::string_view name) {
  wabt::Module m;
  return read_and_validate(wasm, name, m);
}

}  // namespace spindle::engine

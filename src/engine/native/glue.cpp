#include "engine/native/glue.h"

#include <set>

namespace spindle::engine::native {
namespace {

const char* c_type(ValType t) {
  switch (t) {
    case ValType::I32:
      return "u32";
    case ValType::I64:
      return "u64";
    case ValType::F32:
      return "f32";
    case ValType::F64:
      return "f64";
    case ValType::FuncRef:
      return "wasm_rt_funcref_t";
    case ValType::ExternRef:
      return "wasm_rt_externref_t";
    case ValType::V128:
      return "v128";
  }
  return "void";
}

// spindle_val's members (spindle-rt.h) are named after the value types.
std::string field(ValType t) { return std::string(to_string(t)); }

char letter(ValType t) {
  switch (t) {
    case ValType::I32:
      return 'i';
    case ValType::I64:
      return 'j';
    case ValType::F32:
      return 'f';
    case ValType::F64:
      return 'd';
    case ValType::FuncRef:
      return 'r';
    case ValType::ExternRef:
      return 'e';
    case ValType::V128:
      return 'o';
  }
  return '?';
}

std::string result_type(const FuncType& f) {
  if (f.results.empty()) return "void";
  if (f.results.size() == 1) return c_type(f.results[0]);
  std::string s = "struct wasm_multi_";
  for (ValType t : f.results) s += letter(t);
  return s;
}

std::string multi_field(const FuncType& f, size_t i) {
  return std::string(1, letter(f.results[i])) + std::to_string(i);
}

std::string storage_type(const ExternType& t) {
  switch (t.kind) {
    case ExternKind::Memory:
      return "wasm_rt_memory_t";
    case ExternKind::Table:
      return t.table.elem == ValType::FuncRef ? "wasm_rt_funcref_table_t"
                                              : "wasm_rt_externref_table_t";
    case ExternKind::Global:
      return c_type(t.global.type);
    case ExternKind::Func:
      break;
  }
  return "void";
}

}  // namespace

std::string mangle(std::string_view name) {
  static const char hex[] = "0123456789ABCDEF";
  std::string s = "Z_";
  for (unsigned char c : name) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Y') || (c >= '0' && c <= '9') || c == '_';
    if (plain) {
      s += static_cast<char>(c);
    } else {
      s += 'Z';
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s;
}

std::string generate_glue(const std::vector<ImportDesc>& imports,
                          const std::vector<ExportDesc>& exports) {
  const std::string mod = mangle(kModuleName);
  const std::string inst_t = mod + "_instance_t";
  std::string out = "\n/* ---- spindle glue ---- */\n#include \"spindle-rt.h\"\n\n";

  std::set<std::string> defined;
  std::set<std::string> import_modules;
  for (size_t k = 0; k < imports.size(); ++k) {
    const ImportDesc& imp = imports[k];
    import_modules.insert(imp.module);
    std::string sym = mangle(imp.module) + mangle(imp.name);
    if (!defined.insert(sym).second) continue;
    std::string host_t = "struct " + mangle(imp.module) + "_instance_t*";
    const std::string idx = std::to_string(k);
    if (imp.type.kind != ExternKind::Func) {
      std::string t = storage_type(imp.type);
      out += t + "* " + sym + "(" + host_t + " h) {\n  return (" + t +
             "*)spindle_host_of(h)->ptrs[" + idx + "];\n}\n";
      continue;
    }
    const FuncType& f = imp.type.func;
    std::string rt = result_type(f);
    out += rt + " " + sym + "(" + host_t + " h";
    for (size_t i = 0; i < f.params.size(); ++i)
      out += std::string(", ") + c_type(f.params[i]) + " a" + std::to_string(i);
    out += ") {\n";
    out += "  spindle_val args[" + std::to_string(f.params.empty() ? 1 : f.params.size()) + "];\n";
    out += "  spindle_val res[" + std::to_string(f.results.empty() ? 1 : f.results.size()) + "];\n";
    for (size_t i = 0; i < f.params.size(); ++i)
      out += "  args[" + std::to_string(i) + "]." + field(f.params[i]) + " = a" +
             std::to_string(i) + ";\n";
    out += "  spindle_host_call(spindle_host_of(h), " + idx + ", args, res);\n";
    if (f.results.size() == 1) {
      out += "  return res[0]." + field(f.results[0]) + ";\n";
    } else if (f.results.size() > 1) {
      out += "  " + rt + " r;\n";
      for (size_t i = 0; i < f.results.size(); ++i)
        out += "  r." + multi_field(f, i) + " = res[" + std::to_string(i) + "]." +
               field(f.results[i]) + ";\n";
      out += "  return r;\n";
    }
    out += "}\n";
  }

  std::string calls = "static const spindle_export_call_fn spindle_export_calls[] = {";
  std::string ptrs = "static const spindle_export_ptr_fn spindle_export_ptrs[] = {";
  for (size_t k = 0; k < exports.size(); ++k) {
    const ExportDesc& e = exports[k];
    std::string sym = mod + mangle(e.name);
    std::string idx = std::to_string(k);
    if (e.type.kind == ExternKind::Func) {
      const FuncType& f = e.type.func;
      out += "static void spindle_call_" + idx +
             "(void* inst, const spindle_val* a, spindle_val* r) {\n  ";
      std::string call = sym + "((" + inst_t + "*)inst";
      for (size_t i = 0; i < f.params.size(); ++i)
        call += ", a[" + std::to_string(i) + "]." + field(f.params[i]);
      call += ")";
      if (f.results.empty()) {
        out += call + ";\n";
      } else if (f.results.size() == 1) {
        out += "r[0]." + field(f.results[0]) + " = " + call + ";\n";
      } else {
        out += result_type(f) + " t = " + call + ";\n";
        for (size_t i = 0; i < f.results.size(); ++i)
          out += "  r[" + std::to_string(i) + "]." + field(f.results[i]) + " = t." +
                 multi_field(f, i) + ";\n";
      }
      out += "}\n";
      calls += "spindle_call_" + idx + ", ";
      ptrs += "0, ";
    } else {
      out += "static void* spindle_ptr_" + idx + "(void* inst) {\n  return (void*)" + sym + "((" +
             inst_t + "*)inst);\n}\n";
      calls += "0, ";
      ptrs += "spindle_ptr_" + idx + ", ";
    }
  }
  calls += "0};\n";
  ptrs += "0};\n";
  out += calls + ptrs;

  out += "static void spindle_instantiate(void* inst, spindle_host* h) {\n  " + mod +
         "_instantiate((" + inst_t + "*)inst";
  for (size_t i = 0; i < import_modules.size(); ++i) out += ", (void*)h";
  out += ");\n}\n";
  out += "static void spindle_free(void* inst) { " + mod + "_free((" + inst_t + "*)inst); }\n";
  out +=
      "__attribute__((visibility(\"default\"))) const spindle_module_abi_t spindle_module_abi = "
      "{\n";
  out += "  SPINDLE_ABI_VERSION, " + std::to_string(exports.size()) + ", sizeof(" + inst_t +
         "),\n  " + mod + "_init_module, spindle_instantiate, spindle_free,\n";
  out += "  spindle_export_calls, spindle_export_ptrs};\n";
  return out;
}

}  // namespace spindle::engine::native

#include "engine/native/native_backend.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>

#include "engine/describe.h"
#include "engine/interp/interp_backend.h"
#include "engine/native/cache.h"
#include "engine/native/compiler.h"
#include "engine/native/description.h"
#include "engine/native/embedded_headers.h"
#include "engine/native/glue.h"
#include "engine/native/module_code.h"
#include "engine/native/native_instance.h"
#include "engine/native/split.h"
#include "engine/native/translate.h"
#include "engine/runtime/guard.h"
#include "engine/runtime/memory_pool.h"
#include "engine/validate.h"
#include "util/heap.h"
#include "util/metrics.h"
#include "util/sha256.h"
#include "wabt/ir.h"

namespace spindle::engine::native {
namespace {

namespace fs = std::filesystem;

bool write_text(const fs::path& p, std::string_view text) {
  FILE* f = std::fopen(p.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// wasm2c's C output above this size is split into parts of about
// kPartBytes, compiled in parallel (split.h): StarlingMonkey's 129 MB of C
// takes one clang process more than 2.5 GB and many minutes.
constexpr size_t kSplitAbove = 16 << 20;
constexpr size_t kPartBytes = 8 << 20;

// wasm2c output + glue → `so` (in `work`, a private temp dir). Frees `ir`'s
// function bodies before compiling: the process keeps serving meanwhile.
bool build(std::unique_ptr<wabt::Module> ir, const std::vector<ImportDesc>& imports,
           const std::vector<ExportDesc>& exports, const Compiler& cc, const fs::path& work,
           const fs::path& so, std::string_view name, bool progress, size_t split_above,
           const std::atomic<bool>* cancel, std::string& error) {
  size_t parts = 0;
  {
    std::string c_source, header;
    if (!write_c(*ir, c_source, header, error)) return false;
    ir.reset();
    drop_empty_data_loads(c_source);
    SplitSource split;
    if (c_source.size() > split_above &&
        split_c(c_source, std::min(kPartBytes, std::max<size_t>(split_above, 1)), split)) {
      c_source = std::move(split.main);
      parts = split.parts.size();
      for (size_t k = 0; k < parts; ++k) {
        if (!write_text(work / ("part" + std::to_string(k) + ".c"), split.parts[k])) {
          error = "cannot write C sources into " + work.string();
          return false;
        }
        std::string().swap(split.parts[k]);
      }
    }
    c_source += generate_glue(imports, exports);
    if (!write_text(work / "module.c", c_source) || !write_text(work / "module.h", header) ||
        !write_text(work / "wasm-rt.h", wasm_rt_header()) ||
        !write_text(work / "spindle-rt.h", spindle_rt_header())) {
      error = "cannot write C sources into " + work.string();
      return false;
    }
  }
  util::release_free_memory();  // the C text and the IR were hundreds of MB for a large module
  return compile_module(cc, work, parts, so, name, progress, error, cancel);
}

bool same_type(const ExternType& a, const ExternType& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ExternKind::Func:
      return a.func == b.func;
    case ExternKind::Global:
      return a.global.type == b.global.type && a.global.mut == b.global.mut;
    case ExternKind::Memory:
      return a.memory.min == b.memory.min && a.memory.max == b.memory.max;
    case ExternKind::Table:
      return a.table.elem == b.table.elem && a.table.min == b.table.min &&
             a.table.max == b.table.max;
  }
  return false;
}

// wasm2c 1.0.32 aborts on a name imported twice with different types.
std::string conflicting_imports(const std::vector<ImportDesc>& imports) {
  for (size_t i = 0; i < imports.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (imports[i].module == imports[j].module && imports[i].name == imports[j].name &&
          !same_type(imports[i].type, imports[j].type))
        return "imports " + imports[i].module + "." + imports[i].name +
               " twice with different types, which wasm2c 1.0.32 cannot translate";
  return {};
}

// The shared objects this process has open, by path: modules with the same
// code key share one mapping (and one init_module), however many apps
// load them.
std::shared_ptr<const LoadedCode> open_code(const fs::path& so, size_t num_exports,
                                            std::string& error) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const LoadedCode>> open;
  std::lock_guard lock(mu);
  auto& slot = open[so.string()];
  if (auto code = slot.lock()) {
    if (code->abi->num_exports == num_exports) return code;
    error = "native code does not match this spindle";
    return nullptr;
  }
  std::erase_if(open, [](const auto& e) { return e.second.expired(); });
  void* handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = std::string("cannot load native code: ") + dlerror();
    return nullptr;
  }
  auto* abi = static_cast<const spindle_module_abi_t*>(dlsym(handle, "spindle_module_abi"));
  if (!abi || abi->abi_version != SPINDLE_ABI_VERSION || abi->num_exports != num_exports) {
    dlclose(handle);
    error = "native code does not match this spindle";
    return nullptr;
  }
  abi->init_module();
  auto code = std::make_shared<const LoadedCode>(handle, abi);
  open[so.string()] = code;
  return code;
}

class NativeEngine final : public Engine {
 public:
  explicit NativeEngine(const EngineOptions& opts) : opts_(opts) {
    runtime::init();
    cache_dir_ = opts.cache_dir.empty() ? default_cache_dir() : opts.cache_dir;
  }

  Backend backend() const override { return Backend::Native; }

  LoadResult load(std::span<const uint8_t> wasm, std::string_view name) override {
    return load_impl(wasm, name, /*compile=*/true);
  }

  LoadResult load_compiled(std::span<const uint8_t> wasm, std::string_view name) override {
    return load_impl(wasm, name, /*compile=*/false);
  }

  void cancel_compiles() override { cancelled_ = true; }

  ExternPtr new_memory(const MemoryType& t) override { return make_host_memory(t); }
  ExternPtr new_table(const TableType& t) override { return make_host_table(t); }
  ExternPtr new_global(const GlobalType& t, Value v) override { return make_host_global(t, v); }

 private:
  LoadResult load_impl(std::span<const uint8_t> wasm, std::string_view name, bool compile) {
    Compiler cc;
    std::string error;
    if (!find_compiler(opts_.cc, cc, error)) {
      // Without a compiler, a bad module is still reported as such, and one
      // wasm2c cannot translate still falls back to the interpreter.
      wabt::Module m;
      if (std::string err = read_and_validate(wasm, name, m); !err.empty()) return {nullptr, err};
      if (!unsupported_feature(m).empty() && opts_.fallback_to_interp)
        if (Engine* interp = interp_engine()) return interp->load(wasm, name);
      return {nullptr, std::string(name) + ": " + error};
    }
    const ModuleCode code = scan_module(wasm);
    const std::string key = cache_key(
        std::span(reinterpret_cast<const uint8_t*>(code.digest.data()), code.digest.size()),
        engine_version(), cc.identity, compile_flags(cc));
    fs::path so = artifact_path(cache_dir_, key);
    std::error_code ec;
    bool cached = opts_.use_cache && fs::exists(so, ec);
    // The same wasm loaded again (another app built from it): the same
    // module description, memory image and code.
    std::string same_wasm;
    if (cached) {
      same_wasm = util::sha256_hex(
                      std::string_view(reinterpret_cast<const char*>(wasm.data()), wasm.size())) +
                  "|" + so.string();
      if (auto info = loaded_module(same_wasm)) {
        metrics::compile_cache(true);
        return {std::make_shared<NativeModule>(std::move(info)), {}};
      }
    }

    // A cached artifact's description (description.h) spares the WABT read.
    std::optional<Description> desc;
    if (cached) desc = load_description(so);
    std::unique_ptr<wabt::Module> ir;
    if (!desc) {
      ir = std::make_unique<wabt::Module>();
      if (cached) {
        // The code was validated when it was compiled (same code key): read
        // and validate the rest of the module only. A module that fails this
        // is read again whole, for the right message.
        std::vector<uint8_t> stub = stub_module(wasm);
        if (stub.empty() || !read_and_validate(stub, name, *ir).empty()) {
          cached = false;
          ir = std::make_unique<wabt::Module>();
        }
      }
      if (!cached) {
        if (std::string err = read_and_validate(wasm, name, *ir); !err.empty())
          return {nullptr, err};
        if (std::string why = unsupported_feature(*ir); !why.empty()) {
          if (opts_.fallback_to_interp) {
            if (Engine* interp = interp_engine()) return interp->load(wasm, name);
          }
          return {nullptr, std::string(name) +
                               ": the native backend cannot run this module: it uses " + why +
                               " (run it with --backend interp)"};
        }
      }
      Description d;
      describe(*ir, d.imports, d.exports);
      d.shadow_stack = ir->num_global_imports == 0 && !ir->globals.empty() &&
                       ir->globals[0]->type == wabt::Type::I32 && ir->globals[0]->mutable_;
      desc = std::move(d);
      if (cached && opts_.use_cache) store_description(so, *desc);  // an older cache entry
    }
    auto info = std::make_shared<ModuleInfo>();
    info->imports = std::move(desc->imports);
    info->exports = std::move(desc->exports);
    info->shadow_stack = desc->shadow_stack;
    if (std::string why = conflicting_imports(info->imports); !why.empty())
      return {nullptr,
              std::string(name) + ": the native backend cannot run this module: it " + why};
    for (size_t i = 0; i < info->exports.size(); ++i)
      if (info->exports[i].name == "memory" && info->exports[i].type.kind == ExternKind::Memory)
        info->memory_export = static_cast<int>(i);

    fs::path work;
    if (opts_.use_cache && (cached || compile)) metrics::compile_cache(cached);
    if (!cached) {
      if (!compile) {
        LoadResult r;
        r.not_compiled = true;
        return r;
      }
      const bool temporary = !opts_.use_cache;
      fs::path parent = temporary ? fs::temp_directory_path() / "spindle" : cache_dir_ / "tmp";
      if (!make_temp_dir(parent, work, error)) return {nullptr, std::string(name) + ": " + error};
      fs::path built = work / "module.so";
      if (code.image) strip_active_segments(*ir);
      size_t split_above = opts_.split_c_bytes;
      if (const char* env = std::getenv("SPINDLE_SPLIT_C_BYTES"); !split_above && env)
        split_above = std::strtoull(env, nullptr, 10);
      if (!split_above) split_above = kSplitAbove;
      bool ok = build(std::move(ir), info->imports, info->exports, cc, work, built, name,
                      opts_.progress, split_above, &cancelled_, error);
      if (ok && !temporary) {
        // The description first: whoever finds the artifact finds it too.
        store_description(so, Description{info->imports, info->exports, info->shadow_stack});
        ok = publish(built, so, error);
      }
      if (temporary) so = built;
      if (!ok) {
        fs::remove_all(work, ec);
        return {nullptr, std::string(name) + ": " + error};
      }
    }
    ir.reset();
    if (code.image) {
      auto image = std::make_shared<runtime::MemoryImage>(code.active);
      if (image->length() > 0) info->image = std::move(image);
    }
    info->code = open_code(so, info->exports.size(), error);
    if (!work.empty()) fs::remove_all(work, ec);  // the mapping stays valid
    if (!info->code) return {nullptr, std::string(name) + ": " + error};
    info->abi = info->code->abi;
    if (!same_wasm.empty()) loaded_module(same_wasm, info);
    return {std::make_shared<NativeModule>(std::move(info)), {}};
  }

  // The module loaded from the same wasm and artifact (`key`) that is still
  // in use, or null; with `info`, records it as that module.
  static std::shared_ptr<ModuleInfo> loaded_module(const std::string& key,
                                                   const std::shared_ptr<ModuleInfo>& info = {}) {
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<ModuleInfo>> loaded;
    std::lock_guard lock(mu);
    if (info) {
      std::erase_if(loaded, [](const auto& e) { return e.second.expired(); });
      loaded[key] = info;
      return info;
    }
    auto it = loaded.find(key);
    return it == loaded.end() ? nullptr : it->second.lock();
  }

  Engine* interp_engine() {
    std::lock_guard lock(mu_);
    if (!interp_) {
      EngineOptions o = opts_;
      o.backend = Backend::Interp;
      interp_ = interp::make_engine(o);
    }
    return interp_.get();
  }

  EngineOptions opts_;
  fs::path cache_dir_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::unique_ptr<Engine> interp_;
};

}  // namespace

std::unique_ptr<Engine> make_engine(const EngineOptions& opts) {
  return std::make_unique<NativeEngine>(opts);
}

}  // namespace spindle::engine::native

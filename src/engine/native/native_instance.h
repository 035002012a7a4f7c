// Native modules, instances and externs: a dlopen'ed shared object described
// by its `spindle_module_abi`, instantiated into pooled memory.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "spindle-rt.h"

namespace spindle::engine::runtime {
class MemoryImage;
}

namespace spindle::engine::native {

// A dlopen'ed shared object; dlclose'd when the last module using it goes.
struct LoadedCode {
  LoadedCode(void* h, const spindle_module_abi_t* a) : handle(h), abi(a) {}
  ~LoadedCode();
  LoadedCode(const LoadedCode&) = delete;
  LoadedCode& operator=(const LoadedCode&) = delete;
  void* handle;
  const spindle_module_abi_t* abi;
};

struct ModuleInfo {
  std::vector<ImportDesc> imports;
  std::vector<ExportDesc> exports;
  std::shared_ptr<runtime::MemoryImage> image;  // initial memory, or null
  int memory_export = -1;                       // index of export "memory"
  bool shadow_stack = false;               // global 0 is a defined mutable i32 (a stack pointer)
  std::shared_ptr<const LoadedCode> code;  // shared with modules of the same code
  const spindle_module_abi_t* abi = nullptr;
  ~ModuleInfo();

  // The index in `exports` of the export `name`, or -1 (a binary search in
  // an index built on first use: component linking looks up every alias of
  // a core export per instantiation, and modules may export hundreds).
  int find_export(std::string_view name) const;

 private:
  mutable std::once_flag export_index_once_;
  mutable std::vector<uint32_t> export_index_;  // export indices sorted by name
};

class NativeModule final : public Module, public std::enable_shared_from_this<NativeModule> {
 public:
  explicit NativeModule(std::shared_ptr<ModuleInfo> info) : info_(std::move(info)) {}
  Backend backend() const override { return Backend::Native; }
  const std::vector<ImportDesc>& imports() const override { return info_->imports; }
  const std::vector<ExportDesc>& exports() const override { return info_->exports; }
  InstantiateResult instantiate(const Linker& linker, const InstanceOptions& opts) override;
  InstantiateResult instantiate_with(ImportList imports, const InstanceOptions& opts) override;

 private:
  InstantiateResult instantiate_resolved(const struct Resolution* res,
                                         std::shared_ptr<const struct Resolution> owned,
                                         const InstanceOptions& opts);
  std::shared_ptr<ModuleInfo> info_;
  // The imports as resolved against the last Linker (by generation): an
  // executor instantiates with the same Linker every request, so the lookups
  // and type checks run once. Every resolution cached is kept for the
  // module's life (instances point to theirs; each holds the module): one
  // per Linker the module was instantiated with, at most kMaxResolutions
  // (past them an instance owns its own).
  static constexpr size_t kMaxResolutions = 64;
  std::mutex resolution_mu_;
  std::atomic<const struct Resolution*> resolution_{nullptr};
  std::vector<std::shared_ptr<const struct Resolution>> resolutions_;
};

// Storage a native extern resolves to (for memory/table/global imports).
class NativeExtern : public Extern {
 public:
  Backend backend() const override { return Backend::Native; }
  virtual void* storage() const = 0;
};

ExternPtr make_host_memory(const MemoryType& t);
ExternPtr make_host_table(const TableType& t);
ExternPtr make_host_global(const GlobalType& t, Value v);

// Reads a global's value from its storage.
Value load_global(const void* storage, ValType t);

}  // namespace spindle::engine::native

// Memories, tables and globals made by the host (the spec tests' `spectest`
// module), in the same representation wasm2c code uses.
#include <cstring>

#include "engine/native/native_instance.h"
#include "engine/runtime/guard.h"

namespace spindle::engine::native {
namespace {

class HostMemory final : public NativeExtern {
 public:
  explicit HostMemory(const MemoryType& t) {
    type_.kind = ExternKind::Memory;
    type_.memory = t;
  }
  ~HostMemory() override { wasm_rt_free_memory(&mem_); }
  bool allocate() {
    struct Args {
      wasm_rt_memory_t* mem;
      MemoryType t;
    } a{&mem_, type_.memory};
    return runtime::run_guarded(
               [](void* p) {
                 auto* a = static_cast<Args*>(p);
                 wasm_rt_allocate_memory(a->mem, a->t.min, a->t.max ? *a->t.max : 65536);
               },
               &a, {})
        .ok();
  }
  const ExternType& type() const override { return type_; }
  void* storage() const override { return const_cast<wasm_rt_memory_t*>(&mem_); }

 private:
  ExternType type_;
  wasm_rt_memory_t mem_{};
};

class HostTable final : public NativeExtern {
 public:
  explicit HostTable(const TableType& t) {
    type_.kind = ExternKind::Table;
    type_.table = t;
    uint32_t max = t.max ? *t.max : 0xffffffffu;
    if (t.elem == ValType::FuncRef) {
      funcs_.size = t.min;
      funcs_.max_size = max;
      funcs_.data = static_cast<wasm_rt_funcref_t*>(
          std::calloc(t.min ? t.min : 1, sizeof(wasm_rt_funcref_t)));
    } else {
      externs_.size = t.min;
      externs_.max_size = max;
      externs_.data = static_cast<wasm_rt_externref_t*>(
          std::calloc(t.min ? t.min : 1, sizeof(wasm_rt_externref_t)));
    }
  }
  ~HostTable() override {
    std::free(funcs_.data);
    std::free(externs_.data);
  }
  const ExternType& type() const override { return type_; }
  void* storage() const override {
    if (type_.table.elem == ValType::FuncRef) return const_cast<wasm_rt_funcref_table_t*>(&funcs_);
    return const_cast<wasm_rt_externref_table_t*>(&externs_);
  }

 private:
  ExternType type_;
  wasm_rt_funcref_table_t funcs_{};
  wasm_rt_externref_table_t externs_{};
};

class HostGlobal final : public NativeExtern {
 public:
  HostGlobal(const GlobalType& t, Value v) : cell_(v) {
    type_.kind = ExternKind::Global;
    type_.global = t;
  }
  const ExternType& type() const override { return type_; }
  Value get() const override { return load_global(&cell_, type_.global.type); }
  void* storage() const override { return const_cast<Value*>(&cell_); }

 private:
  ExternType type_;
  Value cell_;
};

}  // namespace

ExternPtr make_host_memory(const MemoryType& t) {
  auto m = std::make_shared<HostMemory>(t);
  if (!m->allocate()) return nullptr;
  return m;
}

ExternPtr make_host_table(const TableType& t) { return std::make_shared<HostTable>(t); }

ExternPtr make_host_global(const GlobalType& t, Value v) {
  return std::make_shared<HostGlobal>(t, v);
}

}  // namespace spindle::engine::native

// The engine-interface side of the interpreter backend (C++20): Module,
// Instance and Extern implemented on the interpreter core (core.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/interp/core.h"

namespace spindle::engine::interp {

// An Extern of this backend: an instance's export or a standalone object.
class InterpExtern final : public Extern {
 public:
  InterpExtern(ExternType type, core::ObjectPtr obj)
      : type_(std::move(type)), obj_(std::move(obj)) {}
  Backend backend() const override { return Backend::Interp; }
  const ExternType& type() const override { return type_; }
  Outcome call(std::span<const Value> args, std::span<Value> results) override;
  Value get() const override;
  const core::ObjectPtr& object() const { return obj_; }

 private:
  ExternType type_;
  core::ObjectPtr obj_;
};

class InterpModule final : public Module, public std::enable_shared_from_this<InterpModule> {
 public:
  InterpModule(std::vector<ImportDesc> imports, std::vector<ExportDesc> exports, core::CodePtr code)
      : imports_(std::move(imports)), exports_(std::move(exports)), code_(std::move(code)) {}
  Backend backend() const override { return Backend::Interp; }
  const std::vector<ImportDesc>& imports() const override { return imports_; }
  const std::vector<ExportDesc>& exports() const override { return exports_; }
  InstantiateResult instantiate(const Linker& linker, const InstanceOptions& opts) override;
  InstantiateResult instantiate_with(ImportList imports, const InstanceOptions& opts) override;

 private:
  std::vector<ImportDesc> imports_;
  std::vector<ExportDesc> exports_;
  core::CodePtr code_;
};

class InterpInstance final : public Instance {
 public:
  InterpInstance(std::shared_ptr<const InterpModule> module, core::InstancePtr inst)
      : module_(std::move(module)), inst_(std::move(inst)) {}
  const Module& module() const override { return *module_; }
  ExternPtr get_export(std::string_view name) override;
  GuestMemory memory() override;

 private:
  std::shared_ptr<const InterpModule> module_;
  core::InstancePtr inst_;
  std::vector<std::pair<std::string, ExternPtr>> cache_;  // exports looked up so far
};

// Value <-> core::Val (same layout).
void to_core(std::span<const Value> in, core::Val* out);
void from_core(const core::Val* in, std::span<Value> out);
Outcome to_outcome(core::Result r);
core::Result to_result(Outcome o);
core::VT to_core(ValType t);
core::Sig to_core(const FuncType& f);

}  // namespace spindle::engine::interp

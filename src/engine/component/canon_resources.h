// Runtime state of component instances for the synchronous Canonical ABI
// (CanonicalABI.md "Component Instances", "Table State", "Resource State"):
// each instance's handle table of own/borrow handles with the spec's index
// reuse (slot 0 is never used; freed slots are reused last-freed first),
// borrow lending (`num_lends`), the callee's per-call borrow count
// (`Task.num_borrows`, kept per call scope), the may-enter/may-leave flags,
// and `canon resource.new/drop/rep`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/component/model.h"
#include "engine/host.h"

namespace spindle::component {

class ComponentInstance;

// One resource type at run time (a `(resource (rep i32))` definition of one
// component instance, or a host resource: `impl` null). Its identity is its
// address.
struct ResourceType {
  ComponentInstance* impl = nullptr;
  // Called with the representation when an own handle is dropped, and the
  // InstanceData of the instance that dropped it.
  std::function<engine::Outcome(engine::InstanceData* instance, uint32_t rep)> dtor;
  std::string name;  // for messages
};

// The run-time resource type of each resource TypeId a function's types name.
using ResourceMap = std::unordered_map<TypeId, const ResourceType*>;

struct HandleElem {
  const ResourceType* rt = nullptr;
  uint32_t rep = 0;
  bool own = false;
  uint64_t borrow_scope = 0;  // borrow: the callee call scope it was lent to
  uint32_t num_lends = 0;     // own or borrow: lent out to calls in progress
};

class HandleTable {
 public:
  static constexpr uint32_t kMaxLength = (1u << 28) - 1;

  // The live element at `i`, or nullptr (0, out of range or free).
  HandleElem* get(uint32_t i);
  // Adds `e`; 0 when the table is full (the caller traps).
  uint32_t add(const HandleElem& e);
  // Removes and returns the element at `i`; nullopt when there is none.
  std::optional<HandleElem> remove(uint32_t i);

  size_t array_size() const { return array_.size(); }  // slot 0 included
  size_t free_size() const { return free_.size(); }
  size_t live() const { return array_.size() - 1 - free_.size(); }

 private:
  std::vector<std::optional<HandleElem>> array_ = std::vector<std::optional<HandleElem>>(1);
  std::vector<uint32_t> free_;
};

class ComponentInstance {
 public:
  ComponentInstance() = default;
  explicit ComponentInstance(ComponentInstance* parent) : parent_(parent) {}
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  HandleTable handles;
  // What host functions and host resource destructors called from this
  // instance see (engine::InstanceOptions::data of its core instances).
  engine::InstanceData* data = nullptr;
  bool may_enter = true;
  bool may_leave = true;
  ComponentInstance* parent() const { return parent_; }

  // The spec's entering set: this instance and its ancestors, minus the
  // caller's (a null caller: the host).
  bool may_enter_from(const ComponentInstance* caller) const;
  void enter_from(const ComponentInstance* caller);
  void leave_to(const ComponentInstance* caller);

  // Call scopes of calls into this instance (a Task's num_borrows). Scopes
  // nest; each has a fresh id, so a handle that outlives its scope (after a
  // trap) never touches another scope's count.
  uint64_t open_scope();
  // The borrow count of a live scope; nullptr once it is closed.
  uint32_t* scope_borrows(uint64_t scope);
  void close_scope(uint64_t scope);

 private:
  template <class F>
  void for_entering(const ComponentInstance* caller, F f);
  bool is_ancestor_or_self_of(const ComponentInstance* x) const;

  ComponentInstance* parent_ = nullptr;
  uint64_t next_scope_ = 1;
  std::vector<std::pair<uint64_t, uint32_t>> scopes_;
};

// A caller-side call in progress (the spec's Subtask): handles lent to it by
// lifted borrows, returned when the call resolves.
class Lenders {
 public:
  explicit Lenders(ComponentInstance& inst) : inst_(inst) {}
  Lenders(const Lenders&) = delete;
  Lenders& operator=(const Lenders&) = delete;
  ~Lenders() { release(); }
  void add(uint32_t handle, HandleElem& h);
  void release();  // deliver_resolve: every lend ends

 private:
  ComponentInstance& inst_;
  std::vector<uint32_t> handles_;
};

// canon resource.new / resource.drop / resource.rep, run by core code of
// `inst`. Traps are returned as outcomes (TrapKind::HostError, a message
// starting "canonical ABI: ").
engine::Outcome resource_new(ComponentInstance& inst, const ResourceType* rt, uint32_t rep,
                             uint32_t& handle);
engine::Outcome resource_drop(ComponentInstance& inst, const ResourceType* rt, uint32_t handle);
engine::Outcome resource_rep(ComponentInstance& inst, const ResourceType* rt, uint32_t handle,
                             uint32_t& rep);

// "canonical ABI: <msg>" as a HostError trap.
engine::Outcome abi_trap(std::string msg);

}  // namespace spindle::component

#include "engine/component/canon_resources.h"

#include <algorithm>

namespace spindle::component {

using engine::Outcome;

Outcome abi_trap(std::string msg) {
  return Outcome::trapped(engine::TrapKind::HostError, "canonical ABI: " + msg);
}

// ---- HandleTable ----------------------------------------------------------

HandleElem* HandleTable::get(uint32_t i) {
  if (i >= array_.size() || !array_[i]) return nullptr;
  return &*array_[i];
}

uint32_t HandleTable::add(const HandleElem& e) {
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    array_[i] = e;
    return i;
  }
  if (array_.size() > kMaxLength) return 0;
  array_.push_back(e);
  return static_cast<uint32_t>(array_.size() - 1);
}

std::optional<HandleElem> HandleTable::remove(uint32_t i) {
  if (get(i) == nullptr) return std::nullopt;
  std::optional<HandleElem> e = std::move(array_[i]);
  array_[i].reset();
  free_.push_back(i);
  return e;
}

// ---- ComponentInstance ----------------------------------------------------

bool ComponentInstance::is_ancestor_or_self_of(const ComponentInstance* x) const {
  for (; x != nullptr; x = x->parent_)
    if (x == this) return true;
  return false;
}

template <class F>
void ComponentInstance::for_entering(const ComponentInstance* caller, F f) {
  for (ComponentInstance* x = this; x != nullptr; x = x->parent_)
    if (caller == nullptr || !x->is_ancestor_or_self_of(caller)) f(*x);
}

bool ComponentInstance::may_enter_from(const ComponentInstance* caller) const {
  bool ok = true;
  const_cast<ComponentInstance*>(this)->for_entering(
      caller, [&](ComponentInstance& x) { ok = ok && x.may_enter; });
  return ok;
}

void ComponentInstance::enter_from(const ComponentInstance* caller) {
  for_entering(caller, [](ComponentInstance& x) { x.may_enter = false; });
}

void ComponentInstance::leave_to(const ComponentInstance* caller) {
  for_entering(caller, [](ComponentInstance& x) { x.may_enter = true; });
}

uint64_t ComponentInstance::open_scope() {
  uint64_t id = next_scope_++;
  scopes_.emplace_back(id, 0);
  return id;
}

uint32_t* ComponentInstance::scope_borrows(uint64_t scope) {
  for (auto& [id, n] : scopes_)
    if (id == scope) return &n;
  return nullptr;
}

void ComponentInstance::close_scope(uint64_t scope) {
  auto it =
      std::find_if(scopes_.begin(), scopes_.end(), [&](const auto& s) { return s.first == scope; });
  if (it != scopes_.end()) scopes_.erase(it);
}

// ---- Lenders --------------------------------------------------------------

void Lenders::add(uint32_t handle, HandleElem& h) {
  h.num_lends += 1;
  handles_.push_back(handle);
}

void Lenders::release() {
  for (uint32_t i : handles_)
    if (HandleElem* h = inst_.handles.get(i); h != nullptr && h->num_lends > 0) h->num_lends -= 1;
  handles_.clear();
}

// ---- canon resource.* -----------------------------------------------------

namespace {

std::string name_of(const ResourceType* rt) {
  return rt != nullptr && !rt->name.empty() ? "'" + rt->name + "'" : "resource";
}

}  // namespace

Outcome resource_new(ComponentInstance& inst, const ResourceType* rt, uint32_t rep,
                     uint32_t& handle) {
  if (!inst.may_leave) return abi_trap("resource.new called while the instance may not leave");
  HandleElem h;
  h.rt = rt;
  h.rep = rep;
  h.own = true;
  handle = inst.handles.add(h);
  if (handle == 0) return abi_trap("the handle table is full");
  return Outcome::success();
}

Outcome resource_drop(ComponentInstance& inst, const ResourceType* rt, uint32_t i) {
  if (!inst.may_leave) return abi_trap("resource.drop called while the instance may not leave");
  HandleElem* hp = inst.handles.get(i);
  if (hp == nullptr)
    return abi_trap("resource.drop of handle " + std::to_string(i) + ", which does not exist");
  if (hp->rt != rt)
    return abi_trap("resource.drop of handle " + std::to_string(i) + ": it is a " +
                    name_of(hp->rt) + " handle, not a " + name_of(rt) + " handle");
  if (hp->num_lends != 0)
    return abi_trap("resource.drop of handle " + std::to_string(i) +
                    " while it is lent to a call in progress");
  HandleElem h = *inst.handles.remove(i);
  if (!h.own) {
    if (uint32_t* n = inst.scope_borrows(h.borrow_scope); n != nullptr && *n > 0) *n -= 1;
    return Outcome::success();
  }
  if (rt == nullptr || !rt->dtor) return Outcome::success();
  // The destructor is lifted into rt->impl and lowered into `inst`.
  ComponentInstance* impl = rt->impl;
  if (impl != nullptr && !impl->may_enter_from(&inst))
    return abi_trap("resource.drop: the destructor's instance may not be entered (reentrance)");
  if (impl != nullptr) impl->enter_from(&inst);
  Outcome o = rt->dtor(inst.data, h.rep);
  if (impl != nullptr) impl->leave_to(&inst);
  return o;
}

Outcome resource_rep(ComponentInstance& inst, const ResourceType* rt, uint32_t i, uint32_t& rep) {
  HandleElem* h = inst.handles.get(i);
  if (h == nullptr)
    return abi_trap("resource.rep of handle " + std::to_string(i) + ", which does not exist");
  if (h->rt != rt)
    return abi_trap("resource.rep of handle " + std::to_string(i) + ": it is a " + name_of(h->rt) +
                    " handle, not a " + name_of(rt) + " handle");
  rep = h->rep;
  return Outcome::success();
}

}  // namespace spindle::component

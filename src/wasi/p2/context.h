// The per-instance state of the WASI 0.2 host (and of wasi:http, whose
// objects live in the same table): one Context per component instance, made
// by the executor before instantiation and reached by host functions through
// engine::InstanceData::wasi_p2.
#pragma once

#include <functional>

#include "engine/host.h"
#include "wasi/p2/resources.h"
#include "wasi/wasi.h"

namespace spindle::wasi::p2 {

class Context {
 public:
  // `p1` holds the Environment (args, env, preopened `files`, stdio mode)
  // and the captured stdout/stderr; it must outlive this Context.
  explicit Context(wasi::Context& p1) : p1_(p1) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  wasi::Context& preview1() { return p1_; }
  ResourceTable& table() { return table_; }

  // Sends what the guest has made so far on its way (the wasi:http
  // executor: the response head and the body written until now). Called
  // with `waiting` before the guest blocks (wasi:io/poll, blocking stream
  // calls that have to wait), without it when the response body fills or
  // ends; may be empty.
  std::function<void(bool waiting)> flush_output;

 private:
  wasi::Context& p1_;
  ResourceTable table_;
};

// The Context of the calling instance; null when the embedder gave none.
inline Context* context_of(const engine::InstanceData* d) {
  return d != nullptr ? d->wasi_p2 : nullptr;
}

}  // namespace spindle::wasi::p2

// The per-instance state of the WASI 0.2 host (and of wasi:http, whose
// objects live in the same table): one Context per component instance, made
// by the executor before instantiation and reached by host functions through
// engine::InstanceData::wasi_p2.
#pragma once

#include <unordered_map>

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
  // The rep of the instance's stdin (0), stdout (1) or stderr (2) stream
  // when it is shared by every get-std* call (cli.cpp); 0: none yet.
  uint32_t& stdio_rep(int fd) { return stdio_[fd]; }
  // Pollables shared by every subscribe of one parent (io.cpp), by the
  // parent's rep: the parent's generation (ResourceTable) and the
  // pollable's rep.
  struct SharedPollable {
    uint32_t parent_generation = 0;
    uint32_t rep = 0;
  };
  std::unordered_map<uint32_t, SharedPollable>& shared_pollables() { return pollables_; }

 private:
  wasi::Context& p1_;
  ResourceTable table_;
  uint32_t stdio_[3] = {0, 0, 0};
  std::unordered_map<uint32_t, SharedPollable> pollables_;
};

// The Context of the calling instance; null when the embedder gave none.
inline Context* context_of(engine::InstanceData* d) { return d != nullptr ? d->wasi_p2 : nullptr; }

}  // namespace spindle::wasi::p2

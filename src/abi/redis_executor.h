// The Spin 1.x Redis trigger ABI: each message runs in a fresh instance of
// the component, through its export
//   handle-redis-message (payload_ptr, payload_len) -> i32
// which returns a pointer to 2 bytes: the expected tag (0 ok, 1 err) and the
// error (0 success, 1 error). As Spin does, `err(success)` counts as
// success (the Go SDK's bindings report success that way). The payload is
// written into guest memory with canonical_abi_realloc(0, 0, 1, len) and is
// the guest's to free. `_initialize` is called first when exported.
#pragma once

#include <memory>
#include <string>

#include "abi/executor.h"

namespace spindle::abi {

struct MessageResult {
  bool ok = false;
  std::string error;  // why it failed (trap, guest error, ABI violation)
  std::string guest_stdout, guest_stderr;
};

class RedisExecutor {
 public:
  virtual ~RedisExecutor() = default;
  virtual MessageResult handle(const std::string& payload,
                               const engine::InstanceOptions& limits) const = 0;
};

struct RedisPrepareResult {
  std::shared_ptr<const RedisExecutor> executor;
  std::string error;
  bool ok() const { return executor != nullptr; }
};

// A component (config.component set; `module` is then null) gets the
// component ABI instead (redis_component_executor.h).
RedisPrepareResult make_redis_executor(std::shared_ptr<engine::Module> module,
                                       const ComponentConfig& config);

}  // namespace spindle::abi

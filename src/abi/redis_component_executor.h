// The Redis trigger's ABI for WebAssembly components (Spin 2 and 3): a
// component exporting
//
//   fermyon:spin/inbound-redis   (unversioned, wit/deps/spin@unversioned)
//     handle-message: func(message: payload) -> result<_, error>
//   payload = list<u8>; error = enum { success, error }  (redis-types)
//
// Each message is a fresh instance with the host imports every Spin
// component gets. As Spin 2 and 3 do for components, any `err` (even
// `err(success)`) is a failure. Spin 4's `spin:redis/inbound-redis@3.0.0`
// is an async export, which spindle's engine does not run: such a
// component is refused, saying so.
#pragma once

#include "abi/redis_executor.h"

namespace spindle::abi {

RedisPrepareResult make_redis_component_executor(const ComponentConfig& config);

}  // namespace spindle::abi

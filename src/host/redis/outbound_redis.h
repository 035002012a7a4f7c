// Outbound Redis: the Spin 1.x `outbound-redis` imports (publish, get, set,
// incr, del, sadd, smembers, srem, execute). Each call names the server
// address (redis://host[:port][/db]); the component's allow-list must admit
// it (v1 components without allowed_outbound_hosts may reach any Redis, as
// in Spin 1). Failures come back to the guest as `error` with the reason in
// the log; a dead server never hangs the request (bounded waits) and a
// restarted one is reconnected to.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/capability.h"

namespace spindle::host::redis {

// The `outbound-redis` imports; each component gets its allow-list.
const Capability& outbound_capability();

}  // namespace spindle::host::redis

// The Redis trigger: components subscribed to Redis channels
// (`[[trigger.redis]]`, v1 `trigger = { type = "redis" }`). One subscriber
// connection per address (subscriber.h) feeds the messages to the
// components listening on each channel, each message in a fresh instance
// (Spin 1 `handle-redis-message`, redis_executor.h) under the component's
// limits. Reloads resubscribe only when the channels changed.
#pragma once

#include <memory>

#include "trigger/trigger.h"

namespace spindle::trigger::redis {

std::unique_ptr<Trigger> make_trigger(const Services& services);

}  // namespace spindle::trigger::redis

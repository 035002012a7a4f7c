// The cron trigger (Fermyon's spin-trigger-cron plugin): components run on
// schedules (`[[trigger.cron]] component, cron_expression`; v1 `trigger =
// { type = "cron" }`). One scheduler thread per process wakes at each due
// second (UTC) and queues the run on the shared worker pool, where it runs
// `handle-cron-event` in a fresh instance under the component's limits
// (abi/cron_executor.h). A run still going when the next is due is not
// overlapped: that tick is skipped and logged as a missed run. Reloads swap
// the schedules in; stop() ends the scheduler at once.
#pragma once

#include <memory>

#include "trigger/trigger.h"

namespace spindle::trigger::cron {

std::unique_ptr<Trigger> make_trigger(const Services& services);

}  // namespace spindle::trigger::cron

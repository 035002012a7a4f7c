// The trigger types spindle knows. Adding a trigger type: one folder under
// src/trigger/ with a Trigger implementation, and one entry in registry.cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "trigger/trigger.h"

namespace spindle::trigger {

struct TriggerType {
  std::string_view name;                      // "http", "redis", "cron"
  bool (*used_by)(const manifest::App& app);  // the app has triggers of this type
  std::unique_ptr<Trigger> (*make)(const Services& services);
};

const std::vector<TriggerType>& trigger_types();

}  // namespace spindle::trigger

#include "trigger/registry.h"

#include "manifest/manifest.h"
#include "trigger/cron/cron_trigger.h"
#include "trigger/http/http_trigger.h"
#include "trigger/redis/redis_trigger.h"

namespace spindle::trigger {

const std::vector<TriggerType>& trigger_types() {
  static const std::vector<TriggerType> types = {
      {"http", [](const manifest::App& app) { return app.http.has_value(); }, http::make_trigger},
      {"redis",
       [](const manifest::App& app) {
         for (const auto& c : app.components)
           if (!c.redis.empty()) return true;
         return false;
       },
       redis::make_trigger},
      {"cron",
       [](const manifest::App& app) {
         for (const auto& c : app.components)
           if (!c.cron.empty()) return true;
         return false;
       },
       cron::make_trigger},
  };
  return types;
}

}  // namespace spindle::trigger

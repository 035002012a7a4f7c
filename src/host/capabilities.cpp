// The capabilities spindle links into every component, in this order.
// Adding one: its folder, and one line here.
#include "host/capability.h"
#include "host/key_value/key_value.h"
#include "host/llm/llm.h"
#include "host/mqtt/mqtt.h"
#include "host/mysql/mysql.h"
#include "host/outbound_http/outbound_http.h"
#include "host/postgres/postgres.h"
#include "host/redis/outbound_redis.h"
#include "host/sqlite/sqlite.h"
#include "host/variables/variables.h"
#ifdef SPINDLE_TEST_CAPABILITIES
#include "host/test_echo/test_echo.h"
#endif

namespace spindle::host {

const std::vector<const Capability*>& capabilities() {
  static const std::vector<const Capability*> all = {
      &variables::capability(),     &key_value::capability(),      &sqlite::capability(),
      &outbound_http::capability(), &redis::outbound_capability(), &llm::capability(),
      &mqtt::capability(),          &postgres::capability(),       &mysql::capability(),
#ifdef SPINDLE_TEST_CAPABILITIES
      &test_echo::capability(),
#endif
  };
  return all;
}

}  // namespace spindle::host

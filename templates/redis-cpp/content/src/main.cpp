// {{project-name}}: handles the messages published on the Redis channel
// `{{redis-channel}}` (each in a fresh instance). Its output goes to
// .spin/logs/{{project-name | kebab_case}}_stdout.txt.
#include <cstdio>
#include <spindle/redis.hpp>

spindle::Result<void> on_message(std::string_view payload) {
  std::printf("{{project-name}} got a message: %.*s\n", static_cast<int>(payload.size()),
              payload.data());
  return {};
}

SPINDLE_REDIS_COMPONENT(on_message)

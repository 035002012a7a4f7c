// A Redis-triggered component written with the SDK (SPINDLE_REDIS_COMPONENT
// only). For each message it prints "got: <payload>" to stdout, then:
//   fail        returns an error (the host logs the failure)
//   store:<v>   SETs sdk:last to <v> on $REDIS_ADDRESS with spindle::redis
//   anything else: ok
#include <cstdio>
#include <cstdlib>
#include <spindle/redis.hpp>

spindle::Result<void> on_message(std::string_view payload) {
  std::printf("got: %.*s\n", static_cast<int>(payload.size()), payload.data());
  std::fflush(stdout);
  if (payload == "fail")
    return spindle::Error(spindle::ErrorKind::InvalidArgument, "asked to fail");
  if (payload.starts_with("store:")) {
    const char* addr = std::getenv("REDIS_ADDRESS");
    spindle::redis::Connection redis(addr ? addr : "");
    return redis.set("sdk:last", payload.substr(6));
  }
  return {};
}

SPINDLE_REDIS_COMPONENT(on_message)

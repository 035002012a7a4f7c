// Component variables (Spin 1.x `spin-config` / `get-config`).
//
//   #include <spindle/variables.hpp>
//   spindle::Result<std::string> greeting = spindle::variables::get("message");
//   if (!greeting) return spindle::Response::error(500, greeting.error().describe());
//
// A component sees its own keys: `[component.config]` (manifest v1) or the
// component's `variables = { ... }` (v2). Errors (the message is the host's):
// - NotFound: the component has no such key (`other`, e.g.
//   `no variable for "app"."nothing"`);
// - InvalidArgument: the key breaks Spin's rules (`invalid-key`), or the
//   value its template (`invalid-schema`);
// - Runtime: the variable provider failed (`provider`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "detail/canonical.hpp"
#include "result.hpp"

namespace spindle::variables {

inline Result<std::string> get(std::string_view name) {
  namespace canon = detail::canon;
  auto key = canon::slice(name);
  spindle_import_get_config(key.ptr, key.len, canon::ret());
  if (canon::field<uint8_t>(0) == 0)
    return canon::take_string(canon::field<uint32_t>(4), canon::field<uint32_t>(8));
  // Every error case carries a string.
  uint8_t tag = canon::field<uint8_t>(4);
  std::string message = canon::take_error_string();
  constexpr std::string_view names[] = {"provider", "invalid-key", "invalid-schema", "other"};
  if (message.empty() && tag < 4) message = names[tag];
  switch (tag) {
    case 0:
      return Error(ErrorKind::Runtime, std::move(message));
    case 1:
    case 2:
      return Error(ErrorKind::InvalidArgument, std::move(message));
    case 3:
      return Error(ErrorKind::NotFound, std::move(message));
    default:
      return Error(ErrorKind::Other, std::move(message));
  }
}

}  // namespace spindle::variables

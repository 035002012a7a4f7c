// The runtime overrides as weak definitions, for source files that include
// spindle/redis.hpp (see detail/component.hpp for why). Guest code never uses
// this directly.
#pragma once

#include "component.hpp"

#if !defined(SPINDLE_NO_RUNTIME_OVERRIDES) && defined(_LIBCPP_VERSION) && defined(__clang__)
#pragma clang attribute push(__attribute__((weak)), apply_to = function)
SPINDLE_DETAIL_RUNTIME_OVERRIDES
#pragma clang attribute pop
#endif

// SPINDLE_HTTP_COMPONENT must not define them a second time in this file.
#undef SPINDLE_DETAIL_HTTP_OVERRIDES
#define SPINDLE_DETAIL_HTTP_OVERRIDES

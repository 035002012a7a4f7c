// UTF-8 validation, shared by WASI (paths) and the executors (headers).
#pragma once

#include <string_view>

namespace spindle::util {

// Well-formed UTF-8: no overlong forms, surrogates or code points past
// U+10FFFF.
bool is_utf8(std::string_view s);

}  // namespace spindle::util

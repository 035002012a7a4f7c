// Base64 (RFC 4648, standard alphabet, with padding): HTTP Basic credentials
// and the registry credential files (registry/auth.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spindle::util {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace spindle::util

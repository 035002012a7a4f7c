// Sizes and durations as users write them (CLI flags, manifest limits).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace spindle::util {

// "65536", "64KiB", "16MiB", "1GiB", "10k", "4M" → bytes; "256pages" or
// "256p" → 256 × 64 KiB. nullopt when malformed.
std::optional<uint64_t> parse_memory_size(std::string_view text);

// "500ms", "2s", "1.5s", "1m", "100us", "3" (seconds) → nanoseconds.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace spindle::util

// Parsing of CLI values shared by spindle's commands: preopen specs (sizes
// and durations: util/units.h).
#pragma once

#include <string>
#include <string_view>

namespace spindle::cli {

// "HOST[::GUEST]" → host, guest (guest defaults to host).
struct DirSpec {
  std::string host;
  std::string guest;
};
DirSpec parse_dir(std::string_view text);

}  // namespace spindle::cli

#include "cli/parse.h"

namespace spindle::cli {

DirSpec parse_dir(std::string_view text) {
  auto pos = text.find("::");
  if (pos == std::string_view::npos) return {std::string(text), std::string(text)};
  return {std::string(text.substr(0, pos)), std::string(text.substr(pos + 2))};
}

}  // namespace spindle::cli

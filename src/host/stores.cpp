#include "host/stores.h"

namespace spindle::host {

std::optional<manifest::StoreConfig> resolve_label(
    const std::map<std::string, manifest::StoreConfig>& section, const std::string& label,
    const std::string& default_path, std::string_view what, std::string_view section_name,
    std::string& error) {
  if (auto it = section.find(label); it != section.end()) return it->second;
  if (label == "default") {
    manifest::StoreConfig sc;
    sc.label = label;
    sc.type = "spin";
    sc.path = default_path;
    return sc;
  }
  error = std::string(what) + " `" + label +
          "` is not defined: only `default` exists without a runtime config "
          "(--runtime-config-file with [" +
          std::string(section_name) + "." + label + "])";
  return std::nullopt;
}

}  // namespace spindle::host

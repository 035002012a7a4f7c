// `spindle build`: runs each component's [component.build] command in its
// workdir, its output streamed line by line with the component id in front.
#pragma once

#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::cli {

struct BuildOptions {
  std::string from = ".";               // manifest file or its folder
  std::vector<std::string> components;  // -c: only these (default: all)
};

// Builds `ids` (every component with a build command when empty) in manifest
// order. Stops at the first failure, which it reports naming the component
// and the exit status. The commands see SPINDLE_SDK (the C++ SDK folder).
bool build_components(const manifest::App& app, const std::vector<std::string>& ids);

// The manifest (`from`: file or folder) as it is before a build: sources and
// `files` need not exist yet, nor required variables have values.
manifest::Result load_unbuilt(const std::string& from);

// Loads the manifest (`from`: file or folder) and builds `ids` (all when
// empty); errors are printed.
bool build_app(const std::string& from, const std::vector<std::string>& ids);

int build_command(const BuildOptions& opts);

}  // namespace spindle::cli

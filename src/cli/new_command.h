// `spindle new`, `spindle add` and `spindle templates list`.
#pragma once

#include <string>
#include <vector>

namespace spindle::cli {

struct NewOptions {
  std::string template_name;
  std::string name;
  std::string output;               // default: ./<name>
  std::vector<std::string> values;  // KEY=VALUE for the template's placeholders
};

// Creates a new application from a template.
int new_command(const NewOptions& opts);

struct AddOptions {
  std::string template_name;
  std::string name;
  std::string from = ".";  // the manifest to add to (file or folder)
  std::vector<std::string> values;
};

// Adds a component made from a template to an existing application: its
// files go to <app>/<name>/, its entry is appended to the manifest.
int add_command(const AddOptions& opts);

int templates_list_command();

}  // namespace spindle::cli

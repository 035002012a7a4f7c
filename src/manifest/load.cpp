// load(): read the file, run the passes, hand out an immutable App.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "manifest/internal.h"

namespace fs = std::filesystem;

namespace spindle::manifest {

Result load(const fs::path& manifest_or_dir, const Options& options) {
  fs::path file = manifest_or_dir;
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "spin.toml";
  detail::Reporter rep(file);
  Result result;

  std::ifstream in(file, std::ios::binary);
  if (!in) {
    rep.error({},
              "cannot read the manifest: " +
                  std::string(fs::exists(file, ec) ? "permission denied" : "no such file"),
              "a spin.toml file", "pass the manifest file or its folder (-f/--from)");
    result.errors = std::move(rep.errors);
    return result;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  detail::SourceText src(text);

  auto app = std::make_shared<App>();
  app->manifest_path = fs::absolute(file, ec).lexically_normal();
  app->dir = app->manifest_path.parent_path();
  if (detail::read_toml(text, *app, rep, options.capability_keys)) {
    detail::resolve_variables(*app, options, src, rep);
    detail::check_routes(*app, rep);
    detail::check_hosts(*app, rep);
    std::map<std::string, Location> first;
    for (const Component& c : app->components) {
      if (c.id.empty()) continue;
      Location where = c.field_locations.count("id") ? c.field_locations.at("id") : c.location;
      auto [it, fresh] = first.try_emplace(c.id, where);
      if (!fresh) {
        rep.error(
            where, "duplicate component id `" + c.id + "`", "each component id to be unique",
            "`" + c.id + "` is first defined at " + rep.at(it->second) + "; rename one of the two");
      }
    }
    if (options.check_sources) detail::check_sources(*app, rep);
    if (options.expand_files) detail::expand_files(*app, rep);
  }
  // Sorted by position, so the report reads top to bottom.
  auto by_position = [](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(a.file, a.where.line, a.where.column) <
           std::tuple(b.file, b.where.line, b.where.column);
  };
  std::stable_sort(rep.errors.begin(), rep.errors.end(), by_position);
  std::stable_sort(rep.warnings.begin(), rep.warnings.end(), by_position);
  result.errors = std::move(rep.errors);
  result.warnings = std::move(rep.warnings);
  if (result.errors.empty()) result.app = std::move(app);
  return result;
}

}  // namespace spindle::manifest

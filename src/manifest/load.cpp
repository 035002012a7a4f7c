// load(): read the file, run the passes, hand out an immutable App.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "manifest/internal.h"

namespace fs = std::filesystem;

namespace spindle::manifest {

namespace {

// Spin's selective deployment (spin_app::retain_components): the named
// components that have a trigger stay, with their triggers; every name must
// be a component of the app.
void retain_components(App& app, const std::vector<std::string>& keep, detail::Reporter& rep) {
  std::vector<std::string> ids;
  for (const Component& c : app.components) ids.push_back(c.id);
  bool known = true;
  for (const std::string& id : keep) {
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
    rep.error({}, "Specified component \"" + id + "\" not found in application",
              "a component id of this app: " + one_of(ids),
              "--component-id selects components by their `id`");
    known = false;
  }
  if (!known) return;
  std::erase_if(app.components, [&](const Component& c) {
    bool triggered = !c.http.empty() || !c.redis.empty() || !c.cron.empty();
    return !triggered || std::find(keep.begin(), keep.end(), c.id) == keep.end();
  });
  auto any = [&](auto member) {
    return std::any_of(app.components.begin(), app.components.end(),
                       [&](const Component& c) { return !(c.*member).empty(); });
  };
  if (!any(&Component::http)) app.http.reset();
  if (!any(&Component::redis)) app.redis.reset();
}

}  // namespace

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
    if (!options.base_prefix.empty() && options.base_prefix != "/" &&
        (app->http || !app->http_triggers().empty())) {
      if (!app->http) app->http = App::HttpConfig{};
      const std::string& base = app->http->base;
      app->http->base = options.base_prefix + (base == "/" ? "" : base);
    }
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
    if (!options.components.empty()) retain_components(*app, options.components, rep);
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

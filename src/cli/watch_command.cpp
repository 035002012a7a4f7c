#include "cli/watch_command.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <tuple>
#include <vector>

#include "cli/app_host.h"
#include "cli/build_command.h"
#include "manifest/manifest.h"

namespace spindle::cli {

namespace fs = std::filesystem;

namespace {

// What a set of watched files triggers when it changes.
struct Watched {
  enum class Kind { Manifest, Build, Reload } kind;
  std::string component;  // Build: the component to rebuild
  fs::path root;
  std::vector<std::string> globs;  // relative to root; empty: `root` is one file
};

using Stamp = std::tuple<std::string, int64_t, int64_t>;  // path, mtime (ns), size
using Snapshot = std::vector<std::vector<Stamp>>;         // one list per Watched

std::vector<Watched> watch_list(const std::string& from, bool skip_build) {
  manifest::Result loaded = load_unbuilt(from);
  fs::path manifest_path = fs::path(from);
  if (fs::is_directory(manifest_path)) manifest_path /= "spin.toml";
  std::vector<Watched> out;
  out.push_back({Watched::Kind::Manifest, "", fs::absolute(manifest_path), {}});
  if (!loaded.app) return out;  // a broken manifest: only it is watched until it is fixed
  const manifest::App& app = *loaded.app;
  out.push_back({Watched::Kind::Manifest, "", app.dir / ".env", {}});
  for (const manifest::Component& c : app.components) {
    if (!skip_build && c.build && !c.build->watch.empty()) {
      fs::path root = c.build->workdir ? *c.build->workdir : app.dir;
      out.push_back({Watched::Kind::Build, c.id, root, c.build->watch});
    }
    Watched reload{Watched::Kind::Reload, c.id, app.dir, {}};
    if (c.source.kind == manifest::Source::Kind::File)
      reload.globs.push_back(c.source.path.lexically_relative(app.dir).generic_string());
    for (const manifest::FilesEntry& f : c.files_declared) {
      std::string p = f.pattern;
      if (f.placement || p.find_first_of("*?[") == std::string::npos) p += "/**";
      reload.globs.push_back(p);
      if (!f.placement) reload.globs.push_back(f.pattern);  // a single file
    }
    out.push_back(std::move(reload));
  }
  return out;
}

std::vector<Stamp> stamps(const Watched& w) {
  std::vector<fs::path> files;
  if (w.globs.empty()) {
    files.push_back(w.root);
  } else {
    for (const std::string& g : w.globs) {
      auto found = manifest::glob_files(w.root, g);
      files.insert(files.end(), found.begin(), found.end());
    }
  }
  std::vector<Stamp> out;
  for (const fs::path& f : files) {
    struct stat st {};
    if (stat(f.c_str(), &st) != 0) continue;
    out.emplace_back(f.string(), int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec,
                     static_cast<int64_t>(st.st_size));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Snapshot snapshot(const std::vector<Watched>& list) {
  Snapshot s;
  for (const Watched& w : list) s.push_back(stamps(w));
  return s;
}

}  // namespace

int watch_command(const WatchOptions& o) {
  sigset_t stop_signals = block_stop_signals();
  const std::string& from = o.up.from;
  if (!o.skip_build && !build_app(from, {}))
    std::fprintf(stderr, "spindle watch: the build failed; waiting for changes\n");

  AppHost host(o.up);
  bool serving = false;
  auto reload = [&]() {
    std::string error;
    if (!host.load(error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      std::fprintf(stderr, serving ? "spindle watch: still serving the previous version\n"
                                   : "spindle watch: waiting for changes\n");
      return;
    }
    if (!serving) {
      if (!host.start(error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(1);
      }
      serving = true;
      host.print_routes();
    } else {
      std::printf("Reloaded %s\n", host.app()->manifest_path.c_str());
      std::fflush(stdout);
    }
  };
  reload();

  std::vector<Watched> list = watch_list(from, o.skip_build);
  Snapshot acted = snapshot(list), seen = acted;
  auto last_change = std::chrono::steady_clock::now();
  auto tick = std::clamp<std::chrono::milliseconds>(o.debounce, std::chrono::milliseconds(20),
                                                    std::chrono::milliseconds(100));
  for (;;) {
    timespec ts{0, static_cast<long>(std::chrono::nanoseconds(tick).count())};
    int sig = sigtimedwait(&stop_signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      std::printf("Shutting down (signal %d)\n", sig);
      host.stop();
      return 0;
    }
    Snapshot now = snapshot(list);
    auto t = std::chrono::steady_clock::now();
    if (now != seen) {
      seen = std::move(now);
      last_change = t;
      continue;
    }
    if (seen == acted || t - last_change < o.debounce) continue;

    // Quiet for the debounce time: act on what changed since the last action.
    bool manifest_changed = false, reload_needed = false;
    std::set<std::string> rebuild;
    for (size_t i = 0; i < list.size(); ++i) {
      if (seen[i] == acted[i]) continue;
      switch (list[i].kind) {
        case Watched::Kind::Manifest:
          manifest_changed = true;
          break;
        case Watched::Kind::Build:
          rebuild.insert(list[i].component);
          break;
        case Watched::Kind::Reload:
          reload_needed = true;
          break;
      }
    }
    bool built = true;
    if (!o.skip_build && (manifest_changed || !rebuild.empty())) {
      std::vector<std::string> ids;
      if (!manifest_changed) ids.assign(rebuild.begin(), rebuild.end());
      std::printf("Change detected; building %s\n",
                  manifest_changed ? "every component" : "the changed components");
      std::fflush(stdout);
      built = build_app(from, ids);
      if (!built)
        std::fprintf(stderr,
                     "spindle watch: the build failed; still serving the previous "
                     "version\n");
    }
    Snapshot basis = seen;  // what this action covered
    if (built && (manifest_changed || reload_needed || !rebuild.empty())) reload();
    if (manifest_changed) list = watch_list(from, o.skip_build);
    acted = seen = snapshot(list);
    // A source edited while it was being built (or the app reloaded) is a
    // change still to act on: only what the build itself wrote (outputs,
    // watched for reloads) counts as acted on.
    if (!manifest_changed)
      for (size_t i = 0; i < list.size(); ++i)
        if (list[i].kind == Watched::Kind::Build) acted[i] = basis[i];
    last_change = std::chrono::steady_clock::now();
  }
}

}  // namespace spindle::cli

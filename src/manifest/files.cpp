// Component sources and `files`: globs and `{ source, destination }`
// placements, relative to the manifest's folder, expanded into concrete
// (host file → guest path) pairs minus `exclude_files`.
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "manifest/internal.h"

namespace fs = std::filesystem;

namespace spindle::manifest::detail {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool match_segments(const std::vector<std::string_view>& pat, size_t pi,
                    const std::vector<std::string_view>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      for (size_t k = si; k <= path.size(); ++k) {
        if (match_segments(pat, pi + 1, path, k)) return true;
      }
      return false;
    }
    if (si >= path.size()) return false;
    std::string p(pat[pi]), s(path[si]);
    if (fnmatch(p.c_str(), s.c_str(), 0) != 0) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

bool has_glob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

// Strips "./" prefixes and a trailing "/".
std::string clean(std::string_view p) {
  while (p.rfind("./", 0) == 0) p.remove_prefix(2);
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return std::string(p);
}

bool escapes(const fs::path& rel) {
  return rel.empty() || rel.is_absolute() || *rel.begin() == "..";
}

// Every regular file under `root` (or `root` itself when it is a file).
std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) {
    out.push_back(root);
    return out;
  }
  if (!fs::is_directory(root, ec)) return out;
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(it->path().lexically_normal());
  }
  return out;
}

std::string join_guest(std::string_view dest, std::string_view rel) {
  std::string out(dest);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (rel.empty() || rel == ".") return out;
  if (out != "/") out += "/";
  out += rel;
  return out;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_segments(segments(pattern), 0, segments(path), 0);
}

}  // namespace spindle::manifest::detail

namespace spindle::manifest {

std::vector<fs::path> glob_files(const fs::path& root, std::string_view pattern) {
  using namespace detail;
  std::string pat = clean(pattern);
  std::vector<std::string_view> segs = segments(pat);
  fs::path literal;  // leading segments without glob characters: where to start walking
  size_t i = 0;
  for (; i < segs.size() && !has_glob(segs[i]); ++i) literal /= std::string(segs[i]);
  std::vector<fs::path> out;
  for (const fs::path& f : files_under((root / literal).lexically_normal())) {
    if (i == segs.size() || glob_match(pat, f.lexically_relative(root).generic_string()))
      out.push_back(f);
  }
  return out;
}

}  // namespace spindle::manifest

namespace spindle::manifest::detail {

void check_sources(App& app, Reporter& rep) {
  for (const Component& c : app.components) {
    const Source& s = c.source;
    if (s.kind != Source::Kind::File || s.written.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(s.path, ec)) {
      rep.error(s.location, "source `" + s.written + "` of component `" + c.id + "` is a folder",
                "a .wasm file");
    } else if (!fs::exists(s.path, ec)) {
      rep.error(s.location,
                "source file `" + s.written + "` of component `" + c.id + "` does not exist",
                "a .wasm file at " + s.path.string(),
                "build the component first (`spindle build`), or fix the path: it is relative "
                "to the manifest's folder");
    }
  }
}

void expand_files(App& app, Reporter& rep) {
  for (Component& c : app.components) {
    std::vector<FileMount> mounts;
    for (FilesEntry& e : c.files_declared) {
      std::string what = "`files` entry `" + e.pattern + "` of component `" + c.id + "`";
      if (e.placement) {
        e.host = (app.dir / e.pattern).lexically_normal();
        std::error_code ec;
        if (!fs::exists(e.host, ec)) {
          rep.error(e.location, "source of " + what + " does not exist",
                    "a file or folder at " + e.host.string(),
                    "create it, or fix the path: it is relative to the manifest's folder");
          continue;
        }
        if (fs::is_regular_file(e.host, ec)) {
          mounts.push_back({e.host, e.destination});
          continue;
        }
        for (const fs::path& f : files_under(e.host)) {
          mounts.push_back(
              {f, join_guest(e.destination, f.lexically_relative(e.host).generic_string())});
        }
        continue;
      }
      if (fs::path(e.pattern).is_absolute()) {
        rep.error(e.location, what + " is an absolute path",
                  "a path or glob relative to the manifest's folder",
                  "mount it with `{ source = \"" + e.pattern + "\", destination = \"/…\" }`");
        continue;
      }
      std::string pattern = clean(e.pattern);
      std::vector<std::string_view> segs = segments(pattern);
      fs::path literal;  // leading segments without glob characters
      size_t i = 0;
      for (; i < segs.size() && !has_glob(segs[i]); ++i) literal /= std::string(segs[i]);
      fs::path rel_literal = literal.lexically_normal();
      if (!literal.empty() && escapes(rel_literal)) {
        rep.error(e.location, what + " is outside the application folder",
                  "a path or glob inside " + app.dir.string(),
                  "mount it with `{ source = \"" + e.pattern + "\", destination = \"/…\" }`");
        continue;
      }
      fs::path root = (app.dir / literal).lexically_normal();
      size_t before = mounts.size();
      if (i == segs.size()) {
        std::error_code ec;
        if (!fs::exists(root, ec)) {
          rep.error(e.location, what + " does not exist", "a file or folder at " + root.string(),
                    "create it, or fix the path: it is relative to the manifest's folder");
          continue;
        }
        for (const fs::path& f : files_under(root)) {
          mounts.push_back({f, "/" + f.lexically_relative(app.dir).generic_string()});
        }
      } else {
        for (const fs::path& f : glob_files(app.dir, pattern)) {
          mounts.push_back({f, "/" + f.lexically_relative(app.dir).generic_string()});
        }
        if (mounts.size() == before) {
          rep.warning(e.location, what + " matches no files");
        }
      }
    }
    // exclude_files: globs relative to the manifest's folder, matched against
    // each file and the folders above it.
    std::erase_if(mounts, [&](const FileMount& m) {
      std::string rel = m.host.lexically_relative(app.dir).generic_string();
      for (const std::string& ex : c.exclude_files) {
        std::string pat = clean(ex);
        for (std::string_view r = rel;;) {
          if (glob_match(pat, r)) return true;
          size_t slash = r.rfind('/');
          if (slash == std::string_view::npos) break;
          r = r.substr(0, slash);
        }
      }
      return false;
    });
    std::map<std::string, fs::path> by_guest;
    for (const FileMount& m : mounts) {
      auto [it, fresh] = by_guest.try_emplace(m.guest, m.host);
      if (!fresh && it->second != m.host) {
        rep.warning(c.field_locations["files"],
                    "guest path `" + m.guest + "` of component `" + c.id +
                        "` is mapped from two files; the later one (" + m.host.string() + ") wins");
        it->second = m.host;
      }
    }
    c.files.clear();
    for (auto& [guest, host] : by_guest) c.files.push_back({host, guest});
  }
}

}  // namespace spindle::manifest::detail

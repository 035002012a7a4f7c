#include "cli/build_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "cli/data_dir.h"
#include "manifest/manifest.h"

namespace spindle::cli {

namespace fs = std::filesystem;

namespace {

// Runs `command` with /bin/sh in `dir`; each line of its stdout and stderr
// goes to stdout prefixed with "[id] ". Returns the wait status.
int run_prefixed(const std::string& id, const std::string& command, const fs::path& dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (chdir(dir.c_str()) != 0) {
      std::fprintf(stderr, "cannot enter %s\n", dir.c_str());
      _exit(127);
    }
    setenv("SPINDLE_SDK", sdk_dir().c_str(), 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string pending;
  char buf[4096];
  auto emit = [&](std::string_view line) {
    std::printf("[%s] %.*s\n", id.c_str(), static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
  };
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      emit(std::string_view(pending).substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (!pending.empty()) emit(pending);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string describe_status(int status) {
  if (status < 0) return "could not be started";
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

bool build_components(const manifest::App& app, const std::vector<std::string>& ids) {
  for (const manifest::Component& c : app.components) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) continue;
    if (!c.build || c.build->commands.empty()) {
      std::printf("Component `%s` has no build command; skipped\n", c.id.c_str());
      continue;
    }
    fs::path dir = c.build->workdir ? *c.build->workdir : app.dir;
    for (const std::string& cmd : c.build->commands) {
      std::printf("Building component `%s` with `%s`\n", c.id.c_str(), cmd.c_str());
      int status = run_prefixed(c.id, cmd, dir);
      if (status != 0) {
        std::fprintf(stderr, "spindle build: component `%s` failed: `%s` %s\n", c.id.c_str(),
                     cmd.c_str(), describe_status(status).c_str());
        return false;
      }
    }
  }
  return true;
}

manifest::Result load_unbuilt(const std::string& from) {
  manifest::Options mo;
  mo.check_sources = false;  // building makes them
  mo.expand_files = false;   // a build step may generate them too
  mo.require_variables = false;
  return manifest::load(from, mo);
}

bool build_app(const std::string& from, const std::vector<std::string>& ids) {
  manifest::Result loaded = load_unbuilt(from);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return false;
  }
  const manifest::App& app = *loaded.app;
  for (const std::string& id : ids) {
    if (!app.component(id)) {
      std::string known;
      for (const auto& c : app.components) known += (known.empty() ? "" : ", ") + c.id;
      std::fprintf(stderr, "spindle build: %s has no component `%s` (components: %s)\n",
                   app.manifest_path.c_str(), id.c_str(), known.c_str());
      return false;
    }
  }
  return build_components(app, ids);
}

int build_command(const BuildOptions& o) {
  if (!build_app(o.from, o.components)) return 1;
  std::printf("Finished building all components\n");
  return 0;
}

}  // namespace spindle::cli

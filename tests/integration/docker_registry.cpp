#include "docker_registry.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "site_app.h"

namespace spindle::test {

namespace {
constexpr const char* kBinary = "/usr/bin/docker-registry";
}

DockerRegistry::DockerRegistry(std::vector<std::pair<std::string, std::string>> users) {
  static std::atomic<int> n{0};
  dir_ = temp_dir("docker-registry-" + std::to_string(++n));
  if (access(kBinary, X_OK) != 0) {
    problem_ =
        std::string(kBinary) + " is missing: install Debian's docker-registry (scripts/setup)";
    return;
  }
  port_ = free_port();
  std::string config =
      "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
      "    rootdirectory: " +
      dir_ +
      "/storage\n"
      "http:\n  addr: " +
      host() + "\n  secret: spindle-test\n";
  if (!users.empty()) {
    std::string htpasswd;
    for (const auto& [user, password] : users) {
      Result r = run_process({"htpasswd", "-nbB", user, password});
      if (r.status != 0) {
        problem_ = "htpasswd failed (install apache2-utils): " + r.err;
        return;
      }
      htpasswd += r.out.substr(0, r.out.find('\n')) + "\n";
    }
    write_file(dir_ + "/htpasswd", htpasswd);
    config += "auth:\n  htpasswd:\n    realm: spindle-test\n    path: " + dir_ + "/htpasswd\n";
  }
  write_file(dir_ + "/config.yml", config);
  proc_ = std::make_unique<Background>(
      std::vector<std::string>{kBinary, "serve", dir_ + "/config.yml"}, dir_ + "/registry.log");
  for (int i = 0; i < 100; ++i) {
    std::string code = http_code({"http://" + host() + "/v2/"});
    if (code == "200" || code == "401") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  problem_ = "docker-registry did not answer on " + host() + ":\n" + proc_->log();
}

std::string DockerRegistry::blob_file(const std::string& digest) const {
  std::string hex = digest.substr(digest.find(':') + 1);
  return dir_ + "/storage/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex +
         "/data";
}

}  // namespace spindle::test

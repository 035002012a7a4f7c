// A real OCI registry for tests: Debian's docker-registry (distribution 2.8)
// on a free loopback port, storage in a temp folder, optionally with htpasswd
// (bcrypt) basic auth; stopped on destruction.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve.h"

namespace spindle::test {

class DockerRegistry {
 public:
  // `users`: name and password pairs; none means no authentication.
  explicit DockerRegistry(std::vector<std::pair<std::string, std::string>> users = {});
  // Empty when it runs; else why not (docker-registry missing, no answer).
  const std::string& problem() const { return problem_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // The file holding a blob in the registry's storage.
  std::string blob_file(const std::string& digest) const;
  std::string log() const { return proc_ ? proc_->log() : ""; }

 private:
  int port_ = 0;
  std::string dir_;
  std::string problem_;
  std::unique_ptr<Background> proc_;
};

}  // namespace spindle::test

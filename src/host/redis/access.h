// A component's part of outbound Redis, shared by its guest interfaces
// (Spin 1 `outbound-redis`, fermyon:spin/redis@2.0.0): the Redis addresses
// its allow-list admits, and running commands with failures logged.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/allow_list.h"
#include "host/call.h"
#include "host/redis/client.h"

namespace spindle::component {
struct HostImports;
}

namespace spindle::host::redis {

class Access final : public Binding {
 public:
  Access(std::string component, std::vector<std::string> hosts)
      : component_(std::move(component)), allow_(std::move(hosts)) {}

  // The pool for `address` (redis://host[:port][/db]) when it parses and the
  // allow-list admits it; else null, after a log line saying why.
  std::shared_ptr<Pool> pool_for(const std::string& address) const;
  // Runs `argv`; nullopt after a log line when the connection failed or
  // Redis answered an error (its text, or the failure, in `why`).
  std::optional<Reply> run(Pool& pool, const std::vector<std::string>& argv,
                           std::string& why) const;
  void log(const std::string& what) const;

 private:
  std::string component_;
  host::AllowList allow_;
};

// The calling component's Access; without one (the capability not
// configured), one that may reach no address.
const Access& access_of(const engine::InstanceData* instance);

// fermyon:spin/redis@2.0.0 (interfaces.cpp).
void link_interfaces(component::HostImports& host);

}  // namespace spindle::host::redis

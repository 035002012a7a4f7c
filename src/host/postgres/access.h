// A component's part of outbound PostgreSQL, shared by its guest interfaces
// (Spin 1 `outbound-pg`, fermyon:spin/postgres@2.0.0, spin:postgres@3/4):
// the addresses its allow-list admits, and connections to them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/allow_list.h"
#include "host/call.h"
#include "host/postgres/client.h"

namespace spindle::component {
struct HostImports;
}

namespace spindle::host::postgres {

class Access final : public Binding {
 public:
  Access(std::string component, std::vector<std::string> hosts)
      : component_(std::move(component)), allow_(std::move(hosts)) {}

  // Spin's check of an address (a postgres:// URI or key=value string):
  // every host it names must be allowed as postgres://host[:port];
  // connection-failed ("address postgres://host:port is not permitted")
  // when one is not, when it does not parse, or names a Unix socket.
  std::optional<rdbms::Error> check(const std::string& address) const;
  // check(), then a connection from the address's pool.
  std::unique_ptr<Connection> connect(const std::string& address, Deadline deadline,
                                      rdbms::Error& error) const;
  void log(const std::string& what) const;

 private:
  std::string component_;
  host::AllowList allow_;
};

// The calling component's Access; without one (the capability not
// configured), one that may reach no address.
const Access& access_of(const engine::InstanceData* instance);

// How long a call may wait: the request's deadline, at most 30 s.
Deadline deadline_of(const engine::InstanceData* instance);

// The component-model interfaces (interfaces.cpp).
void link_interfaces(component::HostImports& host);

}  // namespace spindle::host::postgres

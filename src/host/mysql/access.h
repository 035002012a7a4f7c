// A component's part of outbound MySQL, shared by its guest interfaces
// (Spin 1 `outbound-mysql`, fermyon:spin/mysql@2.0.0).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/allow_list.h"
#include "host/call.h"
#include "host/mysql/client.h"

namespace spindle::component {
struct HostImports;
}

namespace spindle::host::mysql {

class Access final : public Binding {
 public:
  Access(std::string component, std::vector<std::string> hosts)
      : component_(std::move(component)), allow_(std::move(hosts)) {}

  // A connection to `address` from its pool; null with `error`:
  // connection-failed("address ... is not permitted") when the allow-list
  // does not admit it (Spin's text), connection-failed(the client's reason)
  // when the server cannot be reached.
  std::unique_ptr<Connection> connect(const std::string& address, Deadline deadline,
                                      rdbms::Error& error) const;
  void log(const std::string& what) const;

 private:
  std::string component_;
  host::AllowList allow_;
};

const Access& access_of(const engine::InstanceData* instance);
Deadline deadline_of(const engine::InstanceData* instance);

// fermyon:spin/mysql@2.0.0 (interfaces.cpp).
void link_interfaces(component::HostImports& host);

}  // namespace spindle::host::mysql

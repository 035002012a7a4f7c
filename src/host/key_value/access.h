// A component's part of the key-value capability, shared by its guest
// interfaces (Spin 1 `key-value`, fermyon:spin/key-value@2.0.0,
// wasi:keyvalue): the store labels it lists and the app's stores.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/call.h"
#include "host/key_value/key_value.h"
#include "host/stores.h"

namespace spindle::component {
struct HostImports;
}

namespace spindle::host::key_value {

class Access final : public Binding {
 public:
  Access(std::vector<std::string> allowed, std::shared_ptr<const Stores> stores)
      : allowed_(std::move(allowed)), stores_(std::move(stores)) {}

  const std::vector<std::string>& allowed() const { return allowed_; }
  const Stores& stores() const { return *stores_; }

  // The store `label`, or null with why (find_label(), stores.h): a label
  // not listed is access-denied, an undefined one no-such-store.
  Store* open(const std::string& label, LabelRefusal& why) const {
    return find_label(allowed_, *stores_, label, why);
  }

 private:
  std::vector<std::string> allowed_;
  std::shared_ptr<const Stores> stores_;
};

// The key and value checks every interface makes: why `key` / a value of
// `size` bytes is refused, or nullopt.
std::optional<std::string> key_refusal(std::string_view key);
std::optional<std::string> value_refusal(size_t size);

// fermyon:spin/key-value@2.0.0 and wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2
// (interfaces.cpp).
void link_interfaces(component::HostImports& host);

}  // namespace spindle::host::key_value

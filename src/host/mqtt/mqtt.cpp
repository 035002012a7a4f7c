#include "host/mqtt/mqtt.h"

#include <cstdio>

#include "host/allow_list.h"
#include "host/mqtt/client.h"
#include "manifest/manifest.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::mqtt {

namespace {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kMqtt = "fermyon:spin/mqtt@2.0.0";
// error cases
constexpr uint32_t kInvalidAddress = 0, kConnectionFailed = 2, kOther = 3;
// Without a request deadline, a publish waits at most this long.
constexpr std::chrono::seconds kMaxWait{30};

class Access final : public Binding {
 public:
  Access(std::string component, std::vector<std::string> hosts)
      : component_(std::move(component)), allow_(std::move(hosts)) {}
  bool allows(const Address& a) const { return allow_.allows(Url{"mqtt", a.host, a.port, "/"}); }
  void log(const std::string& what) const {
    std::fprintf(stderr, "component `%s`: outbound MQTT: %s\n", component_.c_str(), what.c_str());
  }

 private:
  std::string component_;
  AllowList allow_;
};

class Connection final : public wasi::p2::Resource {
 public:
  explicit Connection(Address a, std::string user, std::string password, uint64_t keep_alive)
      : client(std::move(a), std::move(user), std::move(password), keep_alive) {}
  Client client;
};

Val failed(uint32_t c, std::string why = {}) {
  if (c == kInvalidAddress) return Val::err(Val::variant(c));
  return Val::err(Val::variant(c, Val::string(std::move(why))));
}

Outcome open(InstanceData* d, Params p, Results& r) {
  Context* cx = wasi::p2::context_of(d);
  const auto* access = bound<Access>(d, capability().index());
  if (!cx || !access) return not_configured("mqtt");
  std::string url(p[0].as_string());
  auto address = parse_address(url);
  if (!address) {
    access->log("invalid address " + url + " (expected mqtt://host[:port]?client_id=ID)");
    r.push_back(failed(kInvalidAddress));
    return Outcome::success();
  }
  if (!access->allows(*address)) {
    std::string hp = address->host + ":" + std::to_string(address->port);
    access->log("connection to mqtt://" + hp +
                " denied; to allow it, add allowed_outbound_hosts = [\"mqtt://" + hp +
                "\"] to the component in spin.toml");
    r.push_back(failed(kConnectionFailed, "address " + url + " is not permitted"));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(
      std::make_unique<Connection>(std::move(*address), std::string(p[1].as_string()),
                                   std::string(p[2].as_string()), p[3].as_u64()));
  if (rep == 0) return wasi::p2::bad_handle("mqtt connection (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

Outcome publish(InstanceData* d, Params p, Results& r) {
  Context* cx = wasi::p2::context_of(d);
  auto* c = cx ? cx->table().get<Connection>(p[0].rep()) : nullptr;
  if (!c) return wasi::p2::bad_handle("mqtt connection.publish");
  auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  if (d->deadline) deadline = std::min(deadline, *d->deadline);
  std::string why;
  Client::Failure f = c->client.publish(std::string(p[1].as_string()), std::string(p[2].as_bytes()),
                                        static_cast<int>(p[3].case_index()), deadline, why);
  if (f == Client::Failure::kNone) {
    r.push_back(Val::ok());
  } else {
    if (const auto* access = bound<Access>(d, capability().index())) access->log(why);
    r.push_back(failed(f == Client::Failure::kConnection ? kConnectionFailed : kOther, why));
  }
  return Outcome::success();
}

class App final : public AppState {
 public:
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.id, c.outbound_hosts);
  }
};

class MqttCapability final : public Capability {
 public:
  std::string_view name() const override { return "mqtt"; }
  void link(engine::Linker&) const override {}  // no Spin 1 interface
  void link_component(component::HostImports& host) const override {
    wasi::p2::define_resource(host, kMqtt, "connection");
    wasi::p2::define(host, kMqtt, "[static]connection.open", open);
    wasi::p2::define(host, kMqtt, "[method]connection.publish", publish);
  }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

const Capability& capability() {
  static const MqttCapability c;
  return c;
}

}  // namespace spindle::host::mqtt

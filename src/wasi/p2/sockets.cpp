// wasi:sockets: every interface is there, and no socket can be made. The
// instance has a `network` handle, but creating a TCP or UDP socket and
// resolving a name answer `access-denied` (WASI 0.2's "not permitted").
// Methods of sockets and streams that cannot exist answer the same (or
// trap on the handle, which no guest can hold).
#include <string>

#include "wasi/p2/define.h"
#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"

namespace spindle::wasi::p2 {

namespace {

// error-code::access-denied (case 1 of wasi:sockets/network error-code).
constexpr uint32_t kAccessDenied = 1;

class Network : public Resource {};

Outcome denied(InstanceData*, Params, Results& r) {
  r.push_back(Val::err(Val::enumeration(kAccessDenied)));
  return Outcome::success();
}

void deny_all(component::HostImports& host, std::string_view iface, std::string_view resource,
              std::initializer_list<std::string_view> methods) {
  for (std::string_view m : methods)
    define(host, iface, std::string("[method]") + std::string(resource) + "." + std::string(m),
           denied);
}

// Methods that cannot fail by type: no guest holds a socket to call them.
void no_socket(component::HostImports& host, std::string_view iface, std::string_view resource,
               std::initializer_list<std::string_view> methods) {
  for (std::string_view m : methods) {
    std::string name = std::string("[method]") + std::string(resource) + "." + std::string(m);
    define(host, iface, name, [name](InstanceData*, Params, Results&) { return bad_handle(name); });
  }
}

}  // namespace

void link_sockets(component::HostImports& host) {
  constexpr std::string_view kNet = "wasi:sockets/network";
  define_resource(host, kNet, "network");
  define(host, kNet, "network-error-code", [](InstanceData*, Params, Results& r) {
    r.push_back(Val::none());  // no host error is a network error
    return Outcome::success();
  });
  define_cx(host, "wasi:sockets/instance-network", "instance-network",
            [](Context& cx, InstanceData*, Params, Results& r) {
              uint32_t rep = cx.table().add(std::make_unique<Network>());
              if (rep == 0) return bad_handle("instance-network");
              r.push_back(Val::own(rep));
              return Outcome::success();
            });
  define(host, "wasi:sockets/tcp-create-socket", "create-tcp-socket", denied);
  define(host, "wasi:sockets/udp-create-socket", "create-udp-socket", denied);

  constexpr std::string_view kLookup = "wasi:sockets/ip-name-lookup";
  define_resource(host, kLookup, "resolve-address-stream");
  define(host, kLookup, "resolve-addresses", denied);
  deny_all(host, kLookup, "resolve-address-stream", {"resolve-next-address"});
  no_socket(host, kLookup, "resolve-address-stream", {"subscribe"});

  constexpr std::string_view kTcp = "wasi:sockets/tcp";
  define_resource(host, kTcp, "tcp-socket");
  deny_all(host, kTcp, "tcp-socket",
           {"start-bind",
            "finish-bind",
            "start-connect",
            "finish-connect",
            "start-listen",
            "finish-listen",
            "accept",
            "local-address",
            "remote-address",
            "set-listen-backlog-size",
            "keep-alive-enabled",
            "set-keep-alive-enabled",
            "keep-alive-idle-time",
            "set-keep-alive-idle-time",
            "keep-alive-interval",
            "set-keep-alive-interval",
            "keep-alive-count",
            "set-keep-alive-count",
            "hop-limit",
            "set-hop-limit",
            "receive-buffer-size",
            "set-receive-buffer-size",
            "send-buffer-size",
            "set-send-buffer-size",
            "shutdown"});
  no_socket(host, kTcp, "tcp-socket", {"is-listening", "address-family", "subscribe"});

  constexpr std::string_view kUdp = "wasi:sockets/udp";
  define_resource(host, kUdp, "udp-socket");
  define_resource(host, kUdp, "incoming-datagram-stream");
  define_resource(host, kUdp, "outgoing-datagram-stream");
  deny_all(host, kUdp, "udp-socket",
           {"start-bind", "finish-bind", "stream", "local-address", "remote-address",
            "unicast-hop-limit", "set-unicast-hop-limit", "receive-buffer-size",
            "set-receive-buffer-size", "send-buffer-size", "set-send-buffer-size"});
  no_socket(host, kUdp, "udp-socket", {"address-family", "subscribe"});
  deny_all(host, kUdp, "incoming-datagram-stream", {"receive"});
  no_socket(host, kUdp, "incoming-datagram-stream", {"subscribe"});
  deny_all(host, kUdp, "outgoing-datagram-stream", {"check-send", "send"});
  no_socket(host, kUdp, "outgoing-datagram-stream", {"subscribe"});
}

}  // namespace spindle::wasi::p2

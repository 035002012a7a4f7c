// Outbound MQTT (fermyon:spin/mqtt@2.0.0): a component publishes to a
// broker its allowed_outbound_hosts admit (`mqtt://host:port`). As Spin:
// the address is mqtt://host[:port]?client_id=ID (no client_id, or not an
// mqtt URL: invalid-address); a refused address is connection-failed("address
// … is not permitted"); the connection is made at the first publish, and a
// publish returns once the broker has it as its QoS asks (QoS 0 sent, 1
// PUBACK, 2 PUBCOMP), within the request's deadline.
#pragma once

#include "host/capability.h"

namespace spindle::host::mqtt {

const Capability& capability();

}  // namespace spindle::host::mqtt

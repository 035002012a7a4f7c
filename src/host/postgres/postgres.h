// Outbound PostgreSQL (libpq): Spin 1's `outbound-pg` imports and, for
// components, fermyon:spin/postgres@2.0.0 and spin:postgres/postgres@3.0.0
// and @4.0.0/@4.1.0. The address must be allowed by the component's
// allowed_outbound_hosts (`postgres://host[:port]`; v1 components without it
// may reach any); errors come back as the interface's error variant.
#pragma once

#include "host/capability.h"

namespace spindle::host::postgres {

const Capability& capability();

}  // namespace spindle::host::postgres

// Outbound MySQL (MariaDB Connector/C): Spin 1's `outbound-mysql` imports
// and, for components, fermyon:spin/mysql@2.0.0. The address
// (mysql://user:password@host[:port]/database) must be allowed by the
// component's allowed_outbound_hosts (`mysql://host[:port]`; v1 components
// without it may reach any); errors come back as the interface's error
// variant.
#pragma once

#include "host/capability.h"

namespace spindle::host::mysql {

const Capability& capability();

}  // namespace spindle::host::mysql

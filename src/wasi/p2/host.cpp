#include "wasi/p2/host.h"

#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"

namespace spindle::wasi::p2 {

void link(component::HostImports& host) { link_io(host); }

}  // namespace spindle::wasi::p2

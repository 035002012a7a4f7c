#include "wasi/p2/host.h"

#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"

namespace spindle::wasi::p2 {

void link(component::HostImports& host) {
  link_io(host);
  link_clocks(host);
  link_random(host);
  link_cli(host);
  link_filesystem(host);
  link_sockets(host);
}

}  // namespace spindle::wasi::p2

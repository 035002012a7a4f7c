// Internal: each WASI 0.2 interface group registers itself (host.cpp calls
// them all from link()).
#pragma once

#include "engine/component/link_component.h"

namespace spindle::wasi::p2 {

void link_clocks(component::HostImports& host);      // clocks.cpp
void link_random(component::HostImports& host);      // random.cpp
void link_cli(component::HostImports& host);         // cli.cpp
void link_filesystem(component::HostImports& host);  // filesystem.cpp
void link_sockets(component::HostImports& host);     // sockets.cpp

}  // namespace spindle::wasi::p2

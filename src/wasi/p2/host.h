// The WASI 0.2 host (issue 12, Deliver 4): every interface a wasi:cli or
// wasi:http component imports, registered by name in a
// component::HostImports (imports of any 0.2.x version match).
//
//   wasi:io        error, poll, streams (streams.h, over InputStream /
//                  OutputStream / Waitable)
//   wasi:clocks    wall-clock, monotonic-clock
//   wasi:random    random, insecure, insecure-seed
//   wasi:cli       environment, exit, stdin/stdout/stderr, terminal-*
//   wasi:filesystem types, preopens: the component's `files`, read-only,
//                  with preview 1's no-escape path resolution
//   wasi:sockets   every operation answers `not-permitted`
//
// Host functions reach their instance's Context (context.h) through
// engine::InstanceData::wasi_p2.
#pragma once

#include "engine/component/link_component.h"

namespace spindle::wasi::p2 {

void link(component::HostImports& host);

}  // namespace spindle::wasi::p2

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
//   wasi:sockets   every interface; making a socket or resolving a name
//                  answers error-code `access-denied` (WASI 0.2's "not
//                  permitted")
//
// Host functions reach their instance's Context (context.h) through
// engine::InstanceData::wasi_p2. Files: io.cpp (io.h), clocks.cpp,
// random.cpp, cli.cpp + stdio.cpp, filesystem.cpp + fs_streams.cpp
// (fs_types.h), sockets.cpp. Choices, as wasmtime makes them: escapes from a
// preopen and mutations in a read-only one answer `not-permitted`; writing
// more than check-write permitted, or more than 4096 bytes with a
// blocking-*-and-flush, traps; a wait past the instance's deadline is a
// Timeout trap. See define.h for the linker workaround in force (host
// objects live until the instance ends).
#pragma once

#include "engine/component/link_component.h"

namespace spindle::wasi::p2 {

void link(component::HostImports& host);

}  // namespace spindle::wasi::p2

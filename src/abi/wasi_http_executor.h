// The wasi:http executor: serves a WebAssembly component that exports
// `wasi:http/incoming-handler@0.2.x` (what every current Spin SDK builds).
// Per request: a fresh component instance with the WASI 0.2 host and
// wasi:http/types (wasi_http_types.h), an incoming-request carrying Spin's
// `spin-*` headers, a call of `handle(request, response-outparam)`, and the
// response the guest set. A trap is 500 (504 for a timeout), as is a guest
// that returns without setting the outparam; the reason goes to the log.
#pragma once

#include "abi/executor.h"

namespace spindle::abi {

// Refuses (PrepareResult::error) a component without the incoming-handler
// export, naming it.
PrepareResult make_wasi_http_executor(const ComponentConfig& config);

}  // namespace spindle::abi

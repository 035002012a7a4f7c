// wasi:cli stdin / stdout / stderr streams over the preview-1 Context's
// stdio (wasi::Stdio): Capture reads the Context's stdin buffer and appends
// to its stdout / stderr buffers (with the Environment's capture limit),
// Inherit uses the host process's fd 0/1/2, Null reads EOF and discards.
#pragma once

#include <memory>

#include "wasi/p2/streams.h"
#include "wasi/wasi.h"

namespace spindle::wasi::p2 {

std::unique_ptr<InputStream> make_stdin(wasi::Context& p1);
// `fd` is 1 (stdout) or 2 (stderr).
std::unique_ptr<OutputStream> make_stdout(wasi::Context& p1, int fd);

}  // namespace spindle::wasi::p2

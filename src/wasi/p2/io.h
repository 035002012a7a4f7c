// wasi:io (error, poll, streams) over streams.h, and what other host
// interfaces (clocks, cli, filesystem, wasi:http bodies) use to hand out
// pollables, errors and stream errors.
//
// Contract for stream producers (stdio, files, wasi:http bodies):
//  - subclass InputStream / OutputStream (streams.h), store the object with
//    `cx.table().add(...)` and return `Val::own(rep)` for an `own<input-stream>`
//    / `own<output-stream>` result (0 from add(): trap, the table is full);
//  - wasi:io/streams calls read() / check_write() / write() / flush() and
//    waits with Waitable::wait(deadline) for the blocking variants, so
//    ready() and wait() must agree with read() / check_write();
//  - `[method]*.subscribe` returns make_pollable(cx, stream_rep): readiness
//    is the stream's own ready();
//  - write() is only called with at most what check_write() permitted (more
//    traps in the guest, as in wasmtime); blocking-write-and-flush and
//    blocking-write-zeroes-and-flush take at most 4096 bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/component/link_component.h"
#include "wasi/p2/context.h"
#include "wasi/p2/streams.h"

namespace spindle::wasi::p2 {

// A wasi:io/poll pollable.
class Pollable : public Resource, public Waitable {
 public:
  // When it becomes ready by itself (a timer); nullopt when it waits on
  // something else.
  virtual std::optional<std::chrono::steady_clock::time_point> ready_at() const {
    return std::nullopt;
  }
};

// A pollable whose readiness is that of the Waitable at `parent_rep` in the
// table (a missing parent reads as ready). Its rep, 0 when the table is full.
uint32_t make_pollable(Context& cx, uint32_t parent_rep);
// A pollable that becomes ready at `when` (monotonic-clock subscribe-*).
uint32_t make_timer_pollable(Context& cx, std::chrono::steady_clock::time_point when);
// Stores `p`; its rep, 0 when the table is full.
uint32_t add_pollable(Context& cx, std::unique_ptr<Pollable> p);

// A wasi:io/error `error` resource.
class IoError : public Resource {
 public:
  IoError(std::string m, int32_t code) : message(std::move(m)), fs_code(code) {}
  std::string message;  // to-debug-string
  int32_t fs_code;      // what filesystem-error-code reports; -1: none
};

// An `error` with `message` as its debug string (and `fs_code` for
// filesystem-error-code); its rep, 0 when the table is full.
uint32_t make_error(Context& cx, std::string message, int32_t fs_code = -1);

// The `stream-error` Val of a failed or closed StreamResult (a Failed one
// puts a new `error` into the table). False when the table is full.
bool stream_error(Context& cx, const StreamResult& r, component::Val& out);
// `result<T, stream-error>` for `r`: ok(value) when r is Ok, else err(...).
// Returns a trap Outcome when the table is full.
engine::Outcome stream_result(Context& cx, const StreamResult& r, std::optional<component::Val> ok,
                              std::vector<component::Val>& results);

// Waits until `w` is ready or the instance's deadline passes: success, or a
// Timeout trap outcome naming `what`.
engine::Outcome wait_ready(Waitable& w, const engine::InstanceData* d, std::string_view what);

// The trap for a handle that is not the expected host object.
engine::Outcome bad_handle(std::string_view what);

// Registers wasi:io/error, wasi:io/poll and wasi:io/streams.
void link_io(component::HostImports& host);

}  // namespace spindle::wasi::p2

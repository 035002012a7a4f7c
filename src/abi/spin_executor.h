// The Spin 1.x HTTP executor: the guest ABI of Spin 1.x modules (wit-bindgen
// 0.2 canonical ABI), byte for byte.
//
// Guest exports (checked once, at preparation):
//   memory                                          (the linear memory)
//   handle-http-request   (i32 x 10) -> i32         method, uri ptr/len,
//                         headers ptr/len, params ptr/len, body is_some/ptr/len;
//                         returns a pointer to the 28-byte return area
//   canonical_abi_realloc (ptr, orig_size, align, new_size) -> ptr
//   canonical_abi_free    (ptr, size, align) -> ()
//   _initialize           () -> ()   optional: called once per instance
//                                    before the handler (`_start` never is)
//
// Per request: a fresh instance; the method as the enum index (get, post,
// put, delete, patch, head, options — anything else is answered 405 without
// running the guest); every string and list written into guest memory
// through canonical_abi_realloc(0, 0, align, size) (header/param elements are
// 16 bytes, align 4: k_ptr, k_len, v_ptr, v_len; strings and the body align
// 1); `params` empty; body always Some. The return area is read as
//   +0 u16 status, +4 u8 headers.is_some, +8 ptr, +12 len,
//   +16 u8 body.is_some, +20 ptr, +24 len,
// every pointer and length checked against guest memory (a guest that lies
// gets 500, never a host over-read); each returned string and list is
// copied out and then released with canonical_abi_free(ptr, len * elem_size,
// align), in wit-bindgen's order. Then, as Spin does: a status outside
// 100..599 → 500; header names must be tokens and values valid field values
// (else 500); a repeated header name keeps the last value. A trap → 500
// (504 for a timeout), with the trap in Result::error.
#pragma once

#include <memory>

#include "abi/executor.h"

namespace spindle::abi {

// The Spin 1 `method` enum index of an HTTP method ("GET" → 0 … "OPTIONS" →
// 6), or -1 when the ABI cannot express it.
int spin_method_index(std::string_view method);

}  // namespace spindle::abi

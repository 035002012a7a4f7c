// rdbms-types in the Spin 1 ABI (wit-bindgen 0.2, v1.5.1
// wit/ephemeral/rdbms-types.wit), for the `outbound-pg` and `outbound-mysql`
// imports:
//
//   parameter-value, db-value  16 bytes, align 8: tag u8 at +0, payload at +8
//                              (s64/u64/f64; f32 and smaller at +8 too;
//                              str/binary as ptr, len at +8, +12)
//   column                     12 bytes, align 4: name ptr, len; data-type u8 at +8
//   row-set                    16 bytes: columns ptr, len; rows ptr, len
//                              (a row is list<db-value>: ptr, len)
//   pg-error / mysql-error     12 bytes, align 4: tag u8 (0 success,
//                              1 connection-failed, 2 bad-parameter,
//                              3 query-failed, 4 value-conversion-failed,
//                              5 other-error), message ptr, len at +4, +8
#pragma once

#include <cstdint>
#include <vector>

#include "host/call.h"
#include "host/rdbms/value.h"

namespace spindle::host::rdbms::spin1 {

// The guest's list<parameter-value> at (ptr, len). An unknown tag traps
// (the guest broke the ABI).
bool read_params(Guest& g, uint32_t ptr, uint32_t len, std::vector<Value>& out);

// The row-set at `at` (ok payload of a query result), allocating its lists
// in the guest. Values without a Spin 1 case (dates, ...) are `unsupported`,
// their columns `other`.
bool put_row_set(Guest& g, uint32_t at, const RowSet& rs);

// The error variant at `at`.
bool put_error(Guest& g, uint32_t at, const Error& e);

}  // namespace spindle::host::rdbms::spin1

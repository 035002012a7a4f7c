// fermyon:spin/rdbms-types@2.0.0 as component values (Spin 2 and 3 guests of
// fermyon:spin/postgres@2.0.0 and fermyon:spin/mysql@2.0.0): parameters in,
// row sets and errors out.
#pragma once

#include <vector>

#include "engine/component/canon_value.h"
#include "host/rdbms/value.h"

namespace spindle::host::rdbms::v2 {

// A parameter-value.
Value param(const component::Val& v);
std::vector<Value> params(const component::Val& list);

// A db-value (cases past `unsupported` become it).
component::Val db_value(const Value& v);
// result<row-set, error>'s ok.
component::Val row_set(const RowSet& rs);
// error.
component::Val error(const Error& e);

}  // namespace spindle::host::rdbms::v2

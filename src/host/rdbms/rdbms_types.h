// fermyon:spin/rdbms-types@2.0.0 as component values (Spin 2 and 3 guests of
// fermyon:spin/postgres@2.0.0 and fermyon:spin/mysql@2.0.0): parameters in,
// row sets and errors out.
#pragma once

#include <optional>
#include <vector>

#include "engine/component/canon_value.h"
#include "host/rdbms/value.h"

namespace spindle::host::rdbms::v2 {

// A parameter-value.
Value param(const component::Val& v);
std::vector<Value> params(const component::Val& list);

// A db-value (cases past `unsupported` become it).
component::Val db_value(const Value& v);
// The payload of a scalar db-value every version shares (booleans,
// integers, floats, str and binary: the same WIT types in rdbms-types 2.0 and
// spin:postgres 3/4); nullopt for the others.
std::optional<component::Val> scalar_payload(const Value& v);
// result<row-set, error>'s ok.
component::Val row_set(const RowSet& rs);
// error.
component::Val error(const Error& e);

}  // namespace spindle::host::rdbms::v2

// What the outbound PostgreSQL and MySQL tests share: an app around one of
// the database test guests (host_rdbms, Spin 1 ABI; rdbms_component, a
// component) and calling it.
#pragma once

#include <string>
#include <vector>

#include "serve.h"

namespace spindle::test::rdbms {

// A v2 app serving `wasm` (a file in the guest dir) on /... with
// `environment` lines (`K = "V"`) and the allowed_outbound_hosts `hosts`.
std::string make_app(const std::string& name, const std::string& wasm,
                     const std::vector<std::string>& hosts,
                     const std::vector<std::pair<std::string, std::string>>& env = {});
// A v1 app (no allowed_outbound_hosts: databases open, as in Spin 1).
std::string make_v1_app(const std::string& name, const std::string& wasm,
                        const std::vector<std::pair<std::string, std::string>>& env);

// POST `path` with `sql` as the body; the answer's body.
std::string call(const Up& up, const std::string& path, const std::string& sql);

// Percent-encodes a query parameter value.
std::string enc(const std::string& s);

// "" when the guest `wasm` was built, else the message the test fails with.
std::string missing_guest(const std::string& wasm);

}  // namespace spindle::test::rdbms

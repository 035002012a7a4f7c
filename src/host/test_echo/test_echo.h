// test-echo: a capability that exists to prove the capability shape (the
// test fixture of docs/ARCHITECTURE.md "Adding a capability"). Built into
// spindle only with -DSPINDLE_TEST_CAPABILITIES=ON (on with the tests).
//
//   manifest   [component.x] test_echo_prefix = "<"      (a string)
//   runtime    [test_echo] suffix = ">"                  (a string)
//   import     test-echo::echo(ptr, len, ret)            ret: (ptr, len) of
//              prefix + the guest's bytes + suffix, in guest memory
//   permission a component without `test_echo_prefix` may not call it
//              (it traps with "test-echo is not allowed for component `x`")
#pragma once

#include "host/capability.h"

namespace spindle::host::test_echo {

const Capability& capability();

}  // namespace spindle::host::test_echo

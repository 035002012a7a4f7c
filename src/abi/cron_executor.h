// The cron trigger's guest ABI: a WebAssembly component of the world
// `fermyon:spin-cron/spin-cron@2.0.0` (Fermyon's spin-trigger-cron plugin,
// cron.wit), which exports the root function
//
//   handle-cron-event: func(metadata: metadata) -> result<_, error>
//   record metadata { timestamp: u64 }     // seconds since the Unix epoch
//   variant error { other(string) }        // fermyon:spin-cron/cron-types
//
// Each run is a fresh instance with the host imports every Spin component
// gets (WASI 0.2, outbound HTTP, the capabilities' interfaces), under the
// component's limits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "abi/executor.h"

namespace spindle::abi {

struct CronRunResult {
  bool ok = false;
  // Why it failed (a trap, a timeout, err(other(…))), without the
  // component's id: "guest trapped in handle-cron-event: …".
  std::string error;
  engine::TrapKind trap = engine::TrapKind::None;
  std::string guest_stdout, guest_stderr;
};

class CronExecutor {
 public:
  virtual ~CronExecutor() = default;
  // Runs handle-cron-event({timestamp}) in a fresh instance.
  virtual CronRunResult run(uint64_t timestamp, const engine::InstanceOptions& limits) const = 0;
};

struct CronPrepareResult {
  std::shared_ptr<const CronExecutor> executor;
  std::string error;
  bool ok() const { return executor != nullptr; }
};

// Refuses a core module (the plugin runs components only) and a component
// without the `handle-cron-event` export, saying so.
CronPrepareResult make_cron_executor(const ComponentConfig& config);

}  // namespace spindle::abi

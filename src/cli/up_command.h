// `spindle up`: serves a Spin application (spin.toml) over HTTP, one fresh
// instance per request, with Spin's flags.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace spindle::cli {

// Half the machine's physical memory, at most 4 GiB.
uint64_t default_memory_budget();

struct UpOptions {
  std::string from = ".";  // manifest file or its folder, or a registry reference
  // Several apps in one process (docs/MULTI_APP.md): -f given more than
  // once or as HOST=SOURCE, and --apps FILE; both empty: `from` alone.
  std::vector<std::string> app_flags;
  std::string apps_file;
  bool insecure = false;               // -k: plain http to the registry
  std::string cache_dir;               // --cache-dir: registry cache (default ~/.cache/spindle)
  std::string listen;                  // empty: $SPIN_HTTP_LISTEN_ADDR or 127.0.0.1:3000
  std::vector<std::string> env;        // KEY=VALUE added to every component
  std::string state_dir;               // empty: .spin beside the manifest
  std::optional<std::string> log_dir;  // "" turns file logs off; unset: <state-dir>/logs
  std::vector<std::string> follow;     // component ids whose output goes to the terminal
  bool quiet = false;
  bool json_log = false;  // --log-format json: one JSON object per log line
  // -c/--component-id: serve only these components (Spin's selective
  // deployment); empty: all.
  std::vector<std::string> components;
  // --shutdown-delay: after SIGTERM/SIGINT, how long the health endpoint
  // answers 503 while requests are still served (so load balancers move
  // away) before the listener closes and in-flight requests finish.
  std::chrono::nanoseconds shutdown_delay{0};
  bool use_cache = true;
  engine::Backend backend = engine::Backend::Native;
  // Per-request limits unless the manifest sets its own ([...tool.spindle]).
  uint64_t max_memory = uint64_t{128} << 20;                    // linear memory per instance
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);  // per request; 0 = none
  // Linear memory of all instances in flight together; 0 = none.
  uint64_t memory_budget = default_memory_budget();
  unsigned threads = 0;             // HTTP I/O threads; 0: one per core
  unsigned workers = 0;             // threads running guests; 0: 8 per core, at least 32
  size_t max_queued = 0;            // requests waiting for a worker before 503; 0: 64 per worker
  bool build = false;               // --build: run `spindle build` first
  std::string runtime_config_file;  // --runtime-config-file
  std::string tls_cert, tls_key;    // --tls-cert / --tls-key (both or neither): HTTPS
  std::string metrics_listen;       // --metrics-listen: Prometheus endpoint; empty: none
  // Settings owned by capabilities, by name: "sqlite" holds --sqlite's
  // statements (or @file.sql).
  std::map<std::string, std::vector<std::string>> capability_options;
};

int up_command(const UpOptions& opts);

// `-f <reference>`: as Spin (src/commands/up/app_source.rs), an argument that
// is not an existing path and looks like a registry reference is pulled
// (digest-checked, into the cache) and `o.from` becomes the spin.toml
// written for it. False after a message when the pull fails.
bool resolve_registry_app(UpOptions& o);

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts
// later) and returns them as a set for sigwait().
sigset_t block_stop_signals();

// Waits up to `wait` for one of `signals` (blocked); the signal, or <= 0.
int wait_for_signal(const sigset_t& signals, std::chrono::milliseconds wait);

// The address to serve on: --listen, else $SPIN_HTTP_LISTEN_ADDR, else
// 127.0.0.1:3000.
std::string listen_address(const UpOptions& o);

// How long requests in flight may take to finish after a stop signal: the
// request timeout, or 30 s when there is none.
std::chrono::nanoseconds drain_time(const UpOptions& o);

}  // namespace spindle::cli

// The process's Prometheus metrics (`spindle up --metrics-listen`): the
// counters and histograms the request path updates, and their text
// exposition (format 0.0.4). Off until enable(): then every record call is
// a few relaxed atomic adds on memory made before serving (no lock, no
// allocation per request); off, each is one branch.
//
// Metrics (docs/triggers/http.md#metrics lists them for users):
//   spindle_http_requests_total{component,status}   counter
//   spindle_http_request_duration_seconds{component} histogram
//   spindle_instances_in_flight                      gauge
//   spindle_instantiate_duration_seconds             histogram
//   spindle_compile_cache_hits_total / _misses_total counters
//   spindle_resident_memory_bytes                    gauge (read at scrape)
//   and the gauges others add with add_gauge() (the engine's instance
//   memory: cli/app_host.cpp), read at scrape time.
// Requests answered without a component (health, info, no route, shed)
// carry component="-", as in the request log.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace spindle::metrics {

namespace detail {
inline std::atomic<bool> enabled{false};
}

// Turns recording on (before serving). Off by default.
void enable();
inline bool enabled() { return detail::enabled.load(std::memory_order_relaxed); }

// A histogram with the fixed latency buckets below (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                     1,      2.5,     5,      10};
  void observe(std::chrono::nanoseconds d);
  // `name{labels,le="…"} n` lines, then _sum and _count.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> sum_ns_{0};
};

// The HTTP metrics of one component (or "-"), made once and never freed:
// the trigger looks it up when it configures an app version and records
// through the pointer.
class HttpComponent {
 public:
  explicit HttpComponent(std::string id) : id_(std::move(id)) {}
  void record(unsigned status, std::chrono::nanoseconds latency) {
    if (!enabled()) return;
    count(status < 600 ? status : 0);
    latency_.observe(latency);
  }
  const std::string& id() const { return id_; }

 private:
  friend std::string render();
  // Counts one answer with `status` (0: out of range) in the first slot
  // that holds it or is free; a component answers with a handful of
  // statuses, so a small table does (one per status would be 4.8 KiB for
  // each component of thousands of apps). Past 24 statuses: "other".
  void count(uint32_t status) {
    for (auto& slot : by_status_) {
      if (status == 0) break;
      uint32_t held = slot.status.load(std::memory_order_acquire);
      if (held == 0) {
        uint32_t expected = 0;
        if (slot.status.compare_exchange_strong(expected, status, std::memory_order_acq_rel))
          held = status;
        else
          held = expected;
      }
      if (held == status) {
        slot.count.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    other_.fetch_add(1, std::memory_order_relaxed);
  }
  struct StatusCount {
    std::atomic<uint32_t> status{0};  // 0: free
    std::atomic<uint64_t> count{0};
  };
  std::string id_;
  std::array<StatusCount, 24> by_status_{};
  std::atomic<uint64_t> other_{0};  // out-of-range statuses, or the table full
  Histogram latency_;
};

// The component's metrics (made on first use; the same object after).
// Takes a lock: call when configuring, not per request.
HttpComponent& http_component(std::string_view id);

// One guest instance begins / ends its life (gauge spindle_instances_in_flight).
void instance_started();
void instance_ended();
// How long making one instance took.
void instantiated(std::chrono::nanoseconds d);
// A native module was found in the compile cache (hit) or had to be compiled.
void compile_cache(bool hit);

// A gauge read when scraped: `read` is called from the scraping thread.
// Call before serving.
void add_gauge(std::string name, std::string help, std::function<double()> read);

// The whole exposition, in the Prometheus text format.
std::string render();
// Its media type.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace spindle::metrics

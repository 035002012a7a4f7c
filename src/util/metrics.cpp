#include "util/metrics.h"

#include <unistd.h>

#include <charconv>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace spindle::metrics {

namespace {

struct Gauge {
  std::string name, help;
  std::function<double()> read;
};

struct Registry {
  std::mutex mu;
  std::deque<HttpComponent> components;  // stable addresses
  std::unordered_map<std::string, HttpComponent*> by_id;
  std::vector<Gauge> gauges;
  std::atomic<int64_t> in_flight{0};
  Histogram instantiate;
  std::atomic<uint64_t> cache_hits{0}, cache_misses{0};
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: used until exit
  return *r;
}

// Label values escape `\`, `"` and newlines.
std::string label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// The shortest text that reads back as `v`.
std::string number(double v) {
  char b[32];
  auto r = std::to_chars(b, b + sizeof b, v);
  return std::string(b, r.ptr);
}

void sample(std::string& out, std::string_view name, std::string_view labels, double v) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(number(v)).append("\n");
}

// Resident set size from /proc/self/statm (pages).
double resident_bytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

void enable() { detail::enabled.store(true); }

void Histogram::observe(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(d.count() > 0 ? d.count() : 0),
                    std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::string prefix(labels);
  if (!prefix.empty()) prefix += ",";
  uint64_t cumulative = 0;
  std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? number(kBounds[i]) : "+Inf";
    sample(out, bucket, prefix + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  sample(out, std::string(name) + "_sum", labels,
         static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  sample(out, std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

HttpComponent& http_component(std::string_view id) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.by_id.find(std::string(id));
  if (it != r.by_id.end()) return *it->second;
  HttpComponent& c = r.components.emplace_back(std::string(id));
  r.by_id.emplace(c.id(), &c);
  return c;
}

void instance_started() {
  if (enabled()) registry().in_flight.fetch_add(1, std::memory_order_relaxed);
}
void instance_ended() {
  if (enabled()) registry().in_flight.fetch_sub(1, std::memory_order_relaxed);
}
void instantiated(std::chrono::nanoseconds d) {
  if (enabled()) registry().instantiate.observe(d);
}
void compile_cache(bool hit) {
  if (enabled()) (hit ? registry().cache_hits : registry().cache_misses).fetch_add(1);
}

void add_gauge(std::string name, std::string help, std::function<double()> read) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.gauges.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string render() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::string out;
  out.reserve(4096 + r.components.size() * 2048);

  header(out, "spindle_http_requests_total", "counter",
         "HTTP requests answered, by component (- for none) and status.");
  for (const HttpComponent& c : r.components) {
    std::string comp = "component=\"" + label_value(c.id()) + "\"";
    std::map<uint32_t, uint64_t> counts;  // by status, ascending; 0: other
    for (const auto& slot : c.by_status_)
      if (uint32_t st = slot.status.load(std::memory_order_acquire))
        counts[st] += slot.count.load(std::memory_order_relaxed);
    if (uint64_t other = c.other_.load(std::memory_order_relaxed)) counts[0] += other;
    for (auto [st, n] : counts) {
      if (n == 0) continue;
      sample(out, "spindle_http_requests_total",
             comp + ",status=\"" + (st == 0 ? std::string("other") : std::to_string(st)) + "\"",
             static_cast<double>(n));
    }
  }
  header(out, "spindle_http_request_duration_seconds", "histogram",
         "Time from a request's arrival to its answer, by component.");
  for (const HttpComponent& c : r.components)
    c.latency_.render(out, "spindle_http_request_duration_seconds",
                      "component=\"" + label_value(c.id()) + "\"");

  header(out, "spindle_instances_in_flight", "gauge", "Guest instances alive now.");
  sample(out, "spindle_instances_in_flight", "",
         static_cast<double>(r.in_flight.load(std::memory_order_relaxed)));
  header(out, "spindle_instantiate_duration_seconds", "histogram",
         "Time to make one guest instance (a component: all its core modules).");
  r.instantiate.render(out, "spindle_instantiate_duration_seconds", "");

  header(out, "spindle_compile_cache_hits_total", "counter",
         "Native modules loaded from the compile cache.");
  sample(out, "spindle_compile_cache_hits_total", "", static_cast<double>(r.cache_hits.load()));
  header(out, "spindle_compile_cache_misses_total", "counter",
         "Native modules compiled because the compile cache did not hold them.");
  sample(out, "spindle_compile_cache_misses_total", "", static_cast<double>(r.cache_misses.load()));

  header(out, "spindle_resident_memory_bytes", "gauge", "Resident memory of the process.");
  sample(out, "spindle_resident_memory_bytes", "", resident_bytes());
  for (const Gauge& g : r.gauges) {
    header(out, g.name, "gauge", g.help);
    sample(out, g.name, "", g.read());
  }
  return out;
}

}  // namespace spindle::metrics

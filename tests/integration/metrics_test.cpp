// `spindle up --metrics-listen`: the Prometheus endpoint on its own address,
// scraped with curl after a known set of requests, its text checked by
// Debian's `promtool check metrics`, and scraped by a real `prometheus`
// server on loopback; off by default.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "serve.h"

using namespace spindle::test;

namespace {

// The value of the sample `series` (name and labels, as exposed) in `text`;
// -1 when absent.
double sample(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

// Local TCP ports the process `pid` listens on (from `ss`).
size_t listeners(pid_t pid) {
  Result r = run_process({"ss", "-Hltnp"});
  size_t n = 0;
  std::string needle = "pid=" + std::to_string(pid) + ",";
  for (size_t at = 0; (at = r.out.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

TEST(Metrics, CountRequestsByComponentAndStatusAndPassPromtool) {
  std::string dir = one_component_app("metrics-echo", "spin_echo", "echo");
  std::string addr = "127.0.0.1:" + std::to_string(free_port());
  Up up(dir, {"--metrics-listen", addr});
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string metrics_url = "http://" + addr + "/metrics";
  EXPECT_NE(up.log().find("Serving metrics on " + metrics_url), std::string::npos) << up.log();
  EXPECT_EQ(listeners(up.process().pid()), 2u);  // the app's address and the metrics'

  for (int i = 0; i < 7; ++i) EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_code({up.url() + "/status/404"}), "404");
  for (int i = 0; i < 2; ++i) EXPECT_EQ(http_code({up.url() + "/trap"}), "500");
  EXPECT_EQ(http_code({up.url() + "/.well-known/spin/health"}), "200");
  // /metrics on the app's port is the app's (the echo component answers).
  Result app = curl({"-i", up.url() + "/metrics"});
  EXPECT_NE(app.out.find("x-uri: /metrics"), std::string::npos) << app.out;

  Result r = curl({"-i", metrics_url});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("content-type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos)
      << r.out;
  std::string text = r.out.substr(r.out.find("\r\n\r\n") + 4);
  EXPECT_EQ(sample(text, R"(spindle_http_requests_total{component="echo",status="200"})"), 8)
      << text;  // 7 + the app's /metrics
  EXPECT_EQ(sample(text, R"(spindle_http_requests_total{component="echo",status="404"})"), 3);
  EXPECT_EQ(sample(text, R"(spindle_http_requests_total{component="echo",status="500"})"), 2);
  EXPECT_EQ(sample(text, R"(spindle_http_requests_total{component="-",status="200"})"), 1);
  EXPECT_EQ(sample(text, R"(spindle_http_request_duration_seconds_count{component="echo"})"), 13);
  EXPECT_EQ(
      sample(text, R"(spindle_http_request_duration_seconds_bucket{component="echo",le="+Inf"})"),
      13);
  EXPECT_GT(sample(text, R"(spindle_http_request_duration_seconds_sum{component="echo"})"), 0);
  EXPECT_EQ(sample(text, R"(spindle_http_request_duration_seconds_count{component="-"})"), 1);
  // One instance per request, none alive now.
  EXPECT_EQ(sample(text, "spindle_instantiate_duration_seconds_count"), 13);
  EXPECT_EQ(sample(text, "spindle_instances_in_flight"), 0);
  // The module came from the compile cache or was compiled into it.
  EXPECT_GE(sample(text, "spindle_compile_cache_hits_total") +
                sample(text, "spindle_compile_cache_misses_total"),
            1);
  EXPECT_GT(sample(text, "spindle_resident_memory_bytes"), 1 << 20);
  EXPECT_EQ(sample(text, "spindle_instance_memory_bytes"), 0);
  EXPECT_GT(sample(text, "spindle_instance_memory_budget_bytes"), 0);

  std::string file = dir + "/scraped.txt";
  std::ofstream(file) << text;
  Result check = run_process({"sh", "-c", "promtool check metrics < '" + file + "'"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");

  // Other paths on the metrics address are not found.
  EXPECT_EQ(http_code({"http://" + addr + "/"}), "404");
}

// What a real Prometheus server answers to `query` at `api`
// ("http://127.0.0.1:port"), once its value (the text in the answer's
// `"value":[time,"…"]`) is `want`, waiting up to 30 s for scrapes; else the
// last answer.
std::string prometheus_value(const std::string& api, const std::string& query,
                             const std::string& want) {
  std::string last;
  for (int i = 0; i < 150; ++i) {
    last = curl({"-G", api + "/api/v1/query", "--data-urlencode", "query=" + query}).out;
    size_t v = last.find("\"value\":[");
    size_t q = v == std::string::npos ? v : last.find(",\"", v);
    if (q != std::string::npos && last.compare(q + 2, want.size() + 2, want + "\"]") == 0)
      return want;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

TEST(Metrics, ARealPrometheusScrapesThem) {
  std::string dir = one_component_app("metrics-prometheus", "spin_echo", "echo");
  std::string addr = "127.0.0.1:" + std::to_string(free_port());
  Up up(dir, {"--metrics-listen", addr});
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
      << "  - job_name: spindle\n    static_configs:\n      - targets: [\"" << addr << "\"]\n";
  std::string web = "127.0.0.1:" + std::to_string(free_port());
  Background prometheus({"prometheus", "--config.file=" + dir + "/prometheus.yml",
                         "--storage.tsdb.path=" + dir + "/tsdb", "--web.listen-address=" + web},
                        dir + "/prometheus.log");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
  EXPECT_EQ(http_code({up.url() + "/trap"}), "500");
  std::string api = "http://" + web;
  EXPECT_EQ(
      prometheus_value(api, R"(spindle_http_requests_total{component="echo",status="200"})", "4"),
      "4")
      << prometheus.log();
  EXPECT_EQ(
      prometheus_value(api, R"(spindle_http_requests_total{job="spindle",status="500"})", "1"),
      "1");
  EXPECT_EQ(prometheus_value(api, "spindle_instantiate_duration_seconds_count", "5"), "5");
  EXPECT_EQ(prometheus_value(api, R"(up{job="spindle"})", "1"), "1");
}

TEST(Metrics, OffByDefault) {
  std::string dir = one_component_app("metrics-off", "spin_echo", "echo");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(up.log().find("metrics"), std::string::npos) << up.log();
  EXPECT_EQ(listeners(up.process().pid()), 1u);
  Result r = curl({"-i", up.url() + "/metrics"});
  EXPECT_NE(r.out.find("x-uri: /metrics"), std::string::npos) << r.out;
}

TEST(Metrics, AnAddressThatCannotBeUsedIsAStartupError) {
  std::string dir = one_component_app("metrics-bad", "spin_echo", "echo");
  Result r = run_spindle(
      {"up", "--from", dir, "--listen", "127.0.0.1:0", "--metrics-listen", "256.1.1.1:9"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--metrics-listen: cannot resolve listen address 256.1.1.1:9"),
            std::string::npos)
      << r.err;
}

}  // namespace

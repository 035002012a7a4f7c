#include "host/mqtt/client.h"

#include <mosquitto.h>

#include <algorithm>
#include <mutex>

#include "host/allow_list.h"

namespace spindle::host::mqtt {

namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

Client* self(void* obj) { return static_cast<Client*>(obj); }

// The query parameter `name` of `query` ("a=1&b=2"), or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    size_t eq = part.find('=');
    if (part.substr(0, eq) == name)
      return std::string(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Address> parse_address(const std::string& url) {
  auto u = parse_url(url);
  if (!u || u->scheme != "mqtt" || u->host.empty()) return std::nullopt;
  size_t q = u->target.find('?');
  if (q == std::string::npos) return std::nullopt;
  auto id = query_param(std::string_view(u->target).substr(q + 1), "client_id");
  if (!id || id->empty()) return std::nullopt;
  return Address{u->host, u->port, *id};
}

Client::Client(Address a, std::string username, std::string password, uint64_t keep_alive_secs)
    : address_(std::move(a)),
      username_(std::move(username)),
      password_(std::move(password)),
      // libmosquitto takes at least 5 s (0: none).
      keep_alive_(keep_alive_secs == 0
                      ? 0
                      : static_cast<int>(std::clamp<uint64_t>(keep_alive_secs, 5, 65535))) {
  init_library();
}

Client::~Client() { reset(); }

void Client::reset() {
  if (m_ != nullptr) {
    if (connected_) mosquitto_disconnect(m_);
    mosquitto_destroy(m_);
  }
  m_ = nullptr;
  connected_ = false;
  lost = false;
  connack = -1;
  published.clear();
}

bool Client::make() {
  m_ = mosquitto_new(address_.client_id.c_str(), true, this);
  if (m_ == nullptr) return false;
  mosquitto_connect_callback_set(m_,
                                 [](mosquitto*, void* obj, int rc) { self(obj)->connack = rc; });
  mosquitto_disconnect_callback_set(m_, [](mosquitto*, void* obj, int) { self(obj)->lost = true; });
  mosquitto_publish_callback_set(
      m_, [](mosquitto*, void* obj, int mid) { self(obj)->published.insert(mid); });
  return true;
}

template <class Done>
bool Client::loop_until(Done done, std::chrono::steady_clock::time_point deadline,
                        std::string& why) {
  while (!done()) {
    if (lost) {
      why = "the broker closed the connection";
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      why = "timed out waiting for the broker";
      return false;
    }
    int rc = mosquitto_loop(m_, static_cast<int>(std::min<int64_t>(left.count(), 100)), 1);
    if (rc != MOSQ_ERR_SUCCESS && !done()) {
      why = mosquitto_strerror(rc);
      return false;
    }
  }
  return true;
}

bool Client::connect(std::chrono::steady_clock::time_point deadline, std::string& why) {
  if (!username_.empty() || !password_.empty())
    mosquitto_username_pw_set(m_, username_.c_str(), password_.c_str());
  int rc = mosquitto_connect(m_, address_.host.c_str(), address_.port, keep_alive_);
  if (rc != MOSQ_ERR_SUCCESS) {
    why = std::string(rc == MOSQ_ERR_ERRNO ? "cannot connect" : mosquitto_strerror(rc)) + " to " +
          address_.host + ":" + std::to_string(address_.port);
    return false;
  }
  connected_ = true;
  if (!loop_until([this] { return connack >= 0; }, deadline, why)) return false;
  if (connack != 0) {
    why = std::string("the broker refused the connection: ") + mosquitto_connack_string(connack);
    return false;
  }
  return true;
}

Client::Failure Client::publish(const std::string& topic, const std::string& payload, int qos,
                                std::chrono::steady_clock::time_point deadline, std::string& why) {
  if (!connected_ || lost) {
    reset();  // a new client for a new connection
    if (!make()) {
      why = "cannot make an MQTT client";
      return Failure::kOther;
    }
    if (!connect(deadline, why)) {
      reset();
      return Failure::kConnection;
    }
  }
  int mid = 0;
  int rc = mosquitto_publish(m_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), qos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    why = mosquitto_strerror(rc);
    return rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST ? Failure::kConnection
                                                              : Failure::kOther;
  }
  if (!loop_until([&] { return published.count(mid) > 0; }, deadline, why))
    return Failure::kConnection;
  published.erase(mid);
  return Failure::kNone;
}

}  // namespace spindle::host::mqtt

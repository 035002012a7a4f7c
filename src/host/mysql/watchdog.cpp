#include "host/mysql/watchdog.h"

#include <mysql.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace spindle::host::mysql {

struct Watchdog::Impl {
  struct Watch {
    Deadline deadline;
    Address server;
    unsigned long thread_id;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, Watch> watches;
  uint64_t next = 1;
};

namespace {

// KILL QUERY on a connection of its own (bounded: 2 s to connect, 2 s to
// answer); failures are ignored (the statement then ends at the client's
// read timeout).
void kill_query(const Address& a, unsigned long thread_id) {
  MYSQL* c = mysql_init(nullptr);
  if (c == nullptr) return;
  unsigned timeout = 2;
  mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  if (a.tls) {
    my_bool on = 1;
    mysql_options(c, MYSQL_OPT_SSL_ENFORCE, &on);
  }
  if (mysql_real_connect(c, a.host.c_str(), a.user.empty() ? nullptr : a.user.c_str(),
                         a.password.c_str(), nullptr, static_cast<unsigned>(a.port), nullptr, 0)) {
    std::string sql = "KILL QUERY " + std::to_string(thread_id);
    mysql_real_query(c, sql.data(), sql.size());
  }
  mysql_close(c);
}

}  // namespace

Watchdog& Watchdog::get() {
  static Watchdog* w = new Watchdog();  // never destroyed: its thread runs for the process
  return *w;
}

Watchdog::Watchdog() : impl_(new Impl) {
  std::thread([this] { loop(); }).detach();
}

uint64_t Watchdog::watch(Deadline deadline, const Address& server, unsigned long thread_id) {
  std::lock_guard lock(impl_->mu);
  uint64_t token = impl_->next++;
  impl_->watches.emplace(token, Impl::Watch{deadline, server, thread_id});
  impl_->cv.notify_one();
  return token;
}

bool Watchdog::done(uint64_t token) {
  std::lock_guard lock(impl_->mu);
  return impl_->watches.erase(token) == 0;
}

void Watchdog::loop() {
  std::unique_lock lock(impl_->mu);
  for (;;) {
    if (impl_->watches.empty()) {
      impl_->cv.wait(lock);
      continue;
    }
    Deadline first = Deadline::max();
    for (const auto& [token, w] : impl_->watches) first = std::min(first, w.deadline);
    if (impl_->cv.wait_until(lock, first) != std::cv_status::timeout &&
        std::chrono::steady_clock::now() < first)
      continue;
    std::vector<Impl::Watch> due;
    auto now = std::chrono::steady_clock::now();
    for (auto it = impl_->watches.begin(); it != impl_->watches.end();) {
      if (it->second.deadline <= now) {
        due.push_back(it->second);
        it = impl_->watches.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (const auto& w : due) kill_query(w.server, w.thread_id);
    lock.lock();
  }
}

}  // namespace spindle::host::mysql

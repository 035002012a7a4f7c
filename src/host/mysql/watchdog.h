// Ends statements that outlive their request's deadline: a statement in
// flight is registered with the server connection's thread id, and when its
// deadline passes before it returns, a process-wide watchdog thread connects
// to the same server and sends `KILL QUERY <id>`, so the blocked call returns
// (ERROR 1317, query execution was interrupted) instead of holding its
// worker until the client's read timeout.
#pragma once

#include <chrono>
#include <cstdint>

#include "host/mysql/client.h"

namespace spindle::host::mysql {

class Watchdog {
 public:
  static Watchdog& get();
  // Watches the statement now running on `thread_id`; the token for done().
  uint64_t watch(Deadline deadline, const Address& server, unsigned long thread_id);
  // The statement returned. True when the watchdog killed it (or is about
  // to): its connection must not be reused.
  bool done(uint64_t token);

 private:
  Watchdog();
  void loop();
  struct Impl;
  Impl* impl_;
};

}  // namespace spindle::host::mysql

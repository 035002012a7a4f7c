#include "pg_server.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "db_server_util.h"

namespace spindle::test {

namespace {
const std::string kBin = "/usr/lib/postgresql/15/bin/";
}

PgServer::PgServer() {
  static std::atomic<int> n{0};
  dir_ = temp_dir("pg-" + std::to_string(++n));
  port_ = free_port();
  for (const char* tool : {"initdb", "postgres", "psql", "pg_isready"}) {
    error_ = db::missing(kBin + tool, "postgresql");
    if (!error_.empty()) return;
  }
  Result init = run_process(db::as_user("postgres", dir_,
                                        {kBin + "initdb", "-D", dir_ + "/data", "-U", "postgres",
                                         "--auth=trust", "-E", "UTF8", "--no-sync"}));
  if (init.status != 0) {
    error_ = "initdb failed: " + init.out + init.err;
    return;
  }
  ready_ = start();
  if (!ready_) {
    error_ = "postgres did not start: " + slurp(dir_ + "/postgres.log");
    return;
  }
  Result setup = psql("CREATE ROLE spin LOGIN PASSWORD 'spin'", "postgres");
  if (setup.status == 0) setup = psql("CREATE DATABASE spindle OWNER spin", "postgres");
  if (setup.status != 0) {
    ready_ = false;
    error_ = "cannot create the test database: " + setup.out + setup.err;
  }
}

PgServer::~PgServer() { stop(); }

std::string PgServer::url() const {
  return "postgres://spin:spin@127.0.0.1:" + std::to_string(port_) + "/spindle";
}

void PgServer::stop() {
  // SIGINT: fast shutdown (SIGTERM would wait for pooled clients to leave).
  if (proc_) kill(proc_->pid(), SIGINT);
  proc_.reset();
}

bool PgServer::start() {
  proc_ = std::make_unique<Background>(
      db::as_user("postgres", dir_,
                  {kBin + "postgres", "-D", dir_ + "/data", "-k", dir_, "-p", std::to_string(port_),
                   "-h", "127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB", "-c",
                   "max_connections=50"}),
      dir_ + "/postgres.log");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    Result r =
        run_process({kBin + "pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)});
    if (r.status == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

Result PgServer::psql(const std::string& sql, const std::string& db) const {
  return run_process({kBin + "psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                      "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql});
}

}  // namespace spindle::test

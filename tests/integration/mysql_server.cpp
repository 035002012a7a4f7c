#include "mysql_server.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "db_server_util.h"

namespace spindle::test {

MysqlServer::MysqlServer() {
  static std::atomic<int> n{0};
  dir_ = temp_dir("mysql-" + std::to_string(++n));
  port_ = free_port();
  for (auto [tool, package] : {std::pair{"/usr/bin/mariadb-install-db", "mariadb-server"},
                               std::pair{"/usr/sbin/mariadbd", "mariadb-server"},
                               std::pair{"/usr/bin/mariadb", "mariadb-client"},
                               std::pair{"/usr/bin/mariadb-admin", "mariadb-client"}}) {
    error_ = db::missing(tool, package);
    if (!error_.empty()) return;
  }
  Result init = run_process(db::as_user(
      "mysql", dir_,
      {"/usr/bin/mariadb-install-db", "--no-defaults", "--datadir=" + dir_ + "/data",
       "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
       // its own tmpdir: installs running at once collide on /tmp's temporary tables
       "--tmpdir=" + dir_}));
  if (init.status != 0) {
    error_ = "mariadb-install-db failed: " + init.out + init.err;
    return;
  }
  ready_ = start();
  if (!ready_) {
    error_ = "mariadbd did not start: " + slurp(dir_ + "/mariadbd.log");
    return;
  }
  Result setup = run_process({"/usr/bin/mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
                              std::to_string(port_), "-u", "root", "-e",
                              "CREATE DATABASE spindle; CREATE USER 'spin'@'%' IDENTIFIED BY "
                              "'spin'; GRANT ALL ON spindle.* TO 'spin'@'%';"});
  if (setup.status != 0) {
    ready_ = false;
    error_ = "cannot create the test database: " + setup.out + setup.err;
  }
}

MysqlServer::~MysqlServer() { stop(); }

std::string MysqlServer::url() const {
  return "mysql://spin:spin@127.0.0.1:" + std::to_string(port_) + "/spindle";
}

void MysqlServer::stop() { proc_.reset(); }

bool MysqlServer::start() {
  proc_ = std::make_unique<Background>(
      db::as_user("mysql", dir_,
                  {"/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + dir_ + "/data",
                   "--socket=" + dir_ + "/mysqld.sock", "--port=" + std::to_string(port_),
                   "--bind-address=127.0.0.1", "--pid-file=" + dir_ + "/mysqld.pid",
                   "--tmpdir=" + dir_, "--skip-name-resolve", "--skip-log-bin",
                   "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
                   "--skip-innodb-doublewrite", "--innodb-flush-log-at-trx-commit=0"}),
      dir_ + "/mariadbd.log");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    Result r = run_process({"/usr/bin/mariadb-admin", "--no-defaults", "-h", "127.0.0.1", "-P",
                            std::to_string(port_), "-u", "root", "--connect-timeout=1", "ping"});
    if (r.status == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

Result MysqlServer::sql(const std::string& statements) const {
  return run_process({"/usr/bin/mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
                      std::to_string(port_), "-u", "root", "-N", "-B", "spindle", "-e",
                      statements});
}

}  // namespace spindle::test

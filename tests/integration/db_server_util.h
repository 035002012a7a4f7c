// What the database servers of the tests (pg_server, mysql_server) share.
#pragma once

#include <string>
#include <vector>

namespace spindle::test::db {

// `argv` run as `user` when the tests run as root (database servers refuse
// to run as root), through setpriv; `dir` is given to that user first.
std::vector<std::string> as_user(const std::string& user, const std::string& dir,
                                 std::vector<std::string> argv);
// "" when `path` is executable, else the message a test fails with.
std::string missing(const std::string& path, const std::string& package);

}  // namespace spindle::test::db

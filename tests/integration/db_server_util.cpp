#include "db_server_util.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

namespace spindle::test::db {

std::vector<std::string> as_user(const std::string& user, const std::string& dir,
                                 std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  if (passwd* pw = getpwnam(user.c_str())) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      (void)!chown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
    (void)!chown(dir.c_str(), pw->pw_uid, pw->pw_gid);
  }
  std::vector<std::string> out = {"setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups",
                                  "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string missing(const std::string& path, const std::string& package) {
  if (access(path.c_str(), X_OK) == 0) return "";
  return path + " is missing: install Debian's " + package + " (scripts/setup does)";
}

}  // namespace spindle::test::db

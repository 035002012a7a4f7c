#include "wasi/listing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

namespace spindle::wasi {

int list_entries(int dirfd, std::vector<ListedEntry>& out) {
  out.clear();
  // A descriptor of its own: readdir moves the position, closedir closes it.
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  DIR* d = fdopendir(fd);
  if (!d) {
    int err = errno;
    close(fd);
    return err;
  }
  errno = 0;
  while (struct dirent* de = readdir(d)) {
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    ListedEntry x;
    x.name = std::string(name);
    x.ino = de->d_ino;
    if (de->d_type != DT_UNKNOWN) {
      x.type = DTTOIF(de->d_type);
    } else if (struct stat s; fstatat(fd, de->d_name, &s, AT_SYMLINK_NOFOLLOW) == 0) {
      x.type = s.st_mode & S_IFMT;
    }
    out.push_back(std::move(x));
  }
  int err = errno;
  closedir(d);
  if (err) return err;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return 0;
}

}  // namespace spindle::wasi

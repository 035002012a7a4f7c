// Listing a directory the guest opened: shared by preview 1's fd_readdir and
// WASI 0.2's read-directory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spindle::wasi {

struct ListedEntry {
  std::string name;
  uint64_t ino = 0;
  mode_t type = 0;  // the entry's own S_IF* type (a symlink is not followed); 0: unknown
};

// The entries of directory `dirfd` except "." and "..", sorted by name.
// Returns 0, or the host errno.
int list_entries(int dirfd, std::vector<ListedEntry>& out);

}  // namespace spindle::wasi

// Shared by the WASI test guests: errno names and the expect() check that
// prints one transcript line per check and counts failures.
#pragma once

#include <stdio.h>
#include <wasi/api.h>

static int failures;

static const char* errname(int e) {
  switch (e) {
    case 0:
      return "success";
    case __WASI_ERRNO_ACCES:
      return "EACCES";
    case __WASI_ERRNO_BADF:
      return "EBADF";
    case __WASI_ERRNO_EXIST:
      return "EEXIST";
    case __WASI_ERRNO_FAULT:
      return "EFAULT";
    case __WASI_ERRNO_INVAL:
      return "EINVAL";
    case __WASI_ERRNO_ISDIR:
      return "EISDIR";
    case __WASI_ERRNO_LOOP:
      return "ELOOP";
    case __WASI_ERRNO_NAMETOOLONG:
      return "ENAMETOOLONG";
    case __WASI_ERRNO_NOENT:
      return "ENOENT";
    case __WASI_ERRNO_NOSYS:
      return "ENOSYS";
    case __WASI_ERRNO_NOTDIR:
      return "ENOTDIR";
    case __WASI_ERRNO_NOTEMPTY:
      return "ENOTEMPTY";
    case __WASI_ERRNO_NOTSUP:
      return "ENOTSUP";
    case __WASI_ERRNO_PERM:
      return "EPERM";
    case __WASI_ERRNO_ROFS:
      return "EROFS";
    case __WASI_ERRNO_SPIPE:
      return "ESPIPE";
    case __WASI_ERRNO_XDEV:
      return "EXDEV";
    case __WASI_ERRNO_NOTCAPABLE:
      return "ENOTCAPABLE";
    default:
      return "other";
  }
}

static void expect(const char* what, int got, int want) {
  if (got == want) {
    printf("%s: %s\n", what, errname(got));
  } else {
    printf("%s: FAIL (%s [%d], expected %s)\n", what, errname(got), got, errname(want));
    ++failures;
  }
}

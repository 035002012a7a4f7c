// A WAGI (CGI over WASI) guest. The mode is chosen by PATH_INFO:
//   /status          Status: 201 Created + Content-Type
//   /bad-status      Status: abc
//   /location        Location only (→ 302)
//   /location-status Location + Status: 301
//   /no-blank        output without an empty line
//   /only-custom     a custom header only (no Content-Type/Status/Location)
//   /empty           writes nothing
//   /crlf            CRLF line endings
//   /exit0           writes a response, then exit(0)
//   /exit3           writes a response, then exit(3)
//   /trap            traps
//   /loop            never returns
//   /stderr          also writes to stderr
//   /flood           writes 1 MiB blocks to stderr until a write fails, then
//                    answers "stopped after N MiB: <error>"
//   /file            prints /hello.txt from the files mount and whether
//                    /new.txt can be created
//   anything else    "Content-Type: text/plain", then lines "argc=N",
//                    "argv[i]=...", "env:KEY=VALUE" (sorted as given), and
//                    "stdin-len=N", then "stdin:" and the body bytes.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

static int is(const char* info, const char* mode) { return info && strcmp(info, mode) == 0; }

int main(int argc, char** argv) {
  const char* info = getenv("PATH_INFO");
  if (is(info, "/status")) {
    printf("Status: 201 Created\nContent-Type: text/plain\nX-Extra: yes\n\ncreated");
    return 0;
  }
  if (is(info, "/bad-status")) {
    printf("Status: abc\nContent-Type: text/plain\n\nbad");
    return 0;
  }
  if (is(info, "/location")) {
    printf("Location: /elsewhere\n\n");
    return 0;
  }
  if (is(info, "/location-status")) {
    printf("Location: /moved\nStatus: 301 Moved Permanently\n\n");
    return 0;
  }
  if (is(info, "/no-blank")) {
    printf("Content-Type: text/plain\nhello\n");
    return 0;
  }
  if (is(info, "/only-custom")) {
    printf("X-Custom: 1\n\nbody");
    return 0;
  }
  if (is(info, "/empty")) return 0;
  if (is(info, "/crlf")) {
    printf("Content-Type: text/html\r\nX-A: b\r\n\r\nline1\r\nline2\r\n");
    return 0;
  }
  if (is(info, "/exit0")) {
    printf("Content-Type: text/plain\n\nbye");
    fflush(stdout);
    exit(0);
  }
  if (is(info, "/exit3")) {
    printf("Content-Type: text/plain\n\nbye");
    fflush(stdout);
    exit(3);
  }
  if (is(info, "/trap")) __builtin_trap();
  if (is(info, "/loop")) {
    for (volatile unsigned i = 0;; ++i) {
    }
  }
  if (is(info, "/stderr")) fprintf(stderr, "wagi says hi\n");
  if (is(info, "/flood")) {
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    int mib = 0;
    while (mib < 4096 && write(2, block, sizeof block) == (ssize_t)sizeof block) ++mib;
    printf("Content-Type: text/plain\n\nstopped after %d MiB: %s\n", mib, strerror(errno));
    return 0;
  }
  if (is(info, "/file")) {
    printf("Content-Type: text/plain\n\n");
    FILE* f = fopen("/hello.txt", "r");
    if (!f) {
      printf("open failed: %s\n", strerror(errno));
    } else {
      char buf[256];
      size_t n = fread(buf, 1, sizeof buf, f);
      fclose(f);
      printf("content=%.*s\n", (int)n, buf);
    }
    FILE* w = fopen("/new.txt", "w");
    printf("create=%s\n", w ? "ok" : "refused");
    if (w) fclose(w);
    return 0;
  }

  printf("Content-Type: text/plain\n\n");
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  for (char** e = environ; *e; ++e) printf("env:%s\n", *e);
  static char buf[1 << 16];
  size_t total = 0, n;
  char* data = NULL;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    data = realloc(data, total + n);
    memcpy(data + total, buf, n);
    total += n;
  }
  printf("stdin-len=%zu\nstdin:", total);
  if (total) fwrite(data, 1, total, stdout);
  return 0;
}

// A WAGI guest for the `spindle up` tests: prints what it was given, and
// misbehaves when the query asks it to: trap, loop, bomb (allocates until
// malloc fails, then answers on its own), bomb-trap (allocates until malloc
// fails, then traps), stack (recurses until its stack runs out).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Touches 1 MiB blocks until malloc fails; returns how many it got. The
// blocks stay reachable (a list from a volatile root), so the compiler
// cannot elide the allocations.
static void* volatile held;
static size_t allocate_all(void) {
  size_t n = 0;
  for (;;) {
    char* p = malloc(1 << 20);
    if (!p) return n;
    memset(p, 1, 1 << 20);
    *(void**)p = held;
    held = p;
    ++n;
  }
}

static int recurse(int n) {
  volatile char frame[2048];
  frame[n % 2048] = (char)n;
  return recurse(n + 1) + frame[0];
}

int main(int argc, char** argv) {
  const char* query = getenv("QUERY_STRING");
  if (query && strcmp(query, "trap") == 0) __builtin_trap();
  if (query && strcmp(query, "bomb") == 0) {
    size_t mib = allocate_all();
    printf("Status: 507\nContent-Type: text/plain\n\nout of memory after %zu MiB\n", mib);
    return 0;
  }
  if (query && strcmp(query, "bomb-trap") == 0) {
    allocate_all();
    __builtin_trap();
  }
  if (query && strcmp(query, "stack") == 0) return recurse(0);
  if (query && strcmp(query, "loop") == 0)
    for (volatile int i = 0;; ++i) {
    }
  printf("Content-Type: text/plain\n\n");
  const char* vars[] = {"REQUEST_METHOD",    "PATH_INFO",    "X_MATCHED_ROUTE",
                        "X_COMPONENT_ROUTE", "QUERY_STRING", "GREETING"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
    const char* v = getenv(vars[i]);
    printf("%s=%s\n", vars[i], v ? v : "");
  }
  printf("argc=%d\n", argc);
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, stdin);
  buf[n] = 0;
  printf("stdin=%s\n", buf);
  FILE* f = fopen("/index.html", "r");
  if (f) {
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    printf("file=%s", buf);
    fclose(f);
  }
  fprintf(stderr, "served %s\n", getenv("PATH_INFO"));
  return 0;
}

// A WAGI guest for the `spindle up` tests: prints what it was given, and
// traps or loops when the query asks it to.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  const char* query = getenv("QUERY_STRING");
  if (query && strcmp(query, "trap") == 0) __builtin_trap();
  if (query && strcmp(query, "loop") == 0)
    for (volatile int i = 0;; ++i) {
    }
  printf("Content-Type: text/plain\n\n");
  const char* vars[] = {"REQUEST_METHOD", "PATH_INFO", "X_MATCHED_ROUTE", "X_COMPONENT_ROUTE",
                        "QUERY_STRING", "GREETING"};
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

// Traps on demand: `traps <kind>` for kind in oob, unreachable, divzero,
// overflow, convert, indirect, stack, loop, sleep, memory, exit:<code>.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int zero = 0;
static volatile int minus_one = -1;
static volatile float not_a_number = NAN;

// Recursion on the wasm call stack (no locals in linear memory); the call
// through a volatile pointer keeps the compiler from turning it into a loop.
static int depth(int n);
static int (*volatile recurse)(int) = depth;
static int depth(int n) { return recurse(n + 1) - n; }

static char* volatile last_block;

typedef int (*int_fn)(int);
static void takes_nothing(void) { puts("never"); }

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: traps <kind>\n");
    return 2;
  }
  const char* kind = argv[1];
  printf("about to trap: %s\n", kind);
  fflush(stdout);
  if (!strcmp(kind, "oob")) {
    volatile uint32_t* p = (volatile uint32_t*)(uintptr_t)0xfffffff0u;
    return (int)*p;
  }
  if (!strcmp(kind, "unreachable")) __builtin_trap();
  if (!strcmp(kind, "divzero")) return 10 / zero;
  if (!strcmp(kind, "overflow")) return (int)(INT32_MIN / minus_one);
  if (!strcmp(kind, "convert")) return __builtin_wasm_trunc_s_i32_f32(not_a_number);
  if (!strcmp(kind, "indirect")) {
    volatile int_fn f = (int_fn)(void*)takes_nothing;
    return f(3);
  }
  if (!strcmp(kind, "stack")) {
    return depth(0);
  }
  if (!strcmp(kind, "loop")) {
    for (volatile unsigned i = 0;; ++i) {
    }
  }
  if (!strcmp(kind, "memory")) {
    size_t total = 0;
    for (;;) {
      char* p = malloc(1 << 20);
      if (!p) break;
      memset(p, 1, 1 << 20);
      *(char**)p = last_block;  // keep every block reachable
      last_block = p;
      total += 1 << 20;
    }
    printf("malloc failed after %zu MiB\n", total >> 20);
    abort();
  }
  if (!strcmp(kind, "sleep")) {
    sleep(30);  // poll_oneoff with a clock subscription
    return 0;
  }
  if (!strncmp(kind, "exit:", 5)) exit(atoi(kind + 5));
  fprintf(stderr, "unknown kind %s\n", kind);
  return 2;
}

// Stack overflows on demand, the two kinds a C guest can hit:
//   stack_overflow shadow   recursion with big locals: the shadow stack in
//                           linear memory (__stack_pointer) runs below
//                           address 0 and wraps to just under 4 GiB;
//   stack_overflow native   recursion with no locals in linear memory: the
//                           host's call stack (native) / the interpreter's
//                           frame stack runs out.
// The same functions are exported (shadow, native) for the unit tests, which
// call them without running main.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Direct recursion: a call through a function pointer stored in .data would
// itself be clobbered on the way down (wasm-ld puts the stack above the
// data, so an overflowing stack runs through the data before it wraps).
// Not a tail call, so the compiler keeps the recursion.
static int shadow_rec(int n) {
  volatile char buf[4096];
  buf[0] = (char)n;
  return n ? shadow_rec(n - 1) + buf[0] : 0;
}

// Recursion through a volatile pointer keeps the compiler from turning it
// into a loop; nothing lives in linear memory.
static int native_rec(int n);
static int (*volatile native_ptr)(int) = native_rec;
static int native_rec(int n) { return n ? native_ptr(n - 1) + 1 : 0; }

__attribute__((export_name("shadow"))) int shadow(int n) { return shadow_rec(n); }
__attribute__((export_name("native"))) int native(int n) { return native_rec(n); }

int main(int argc, char** argv) {
  const char* kind = argc > 1 ? argv[1] : "shadow";
  printf("recursing: %s\n", kind);
  fflush(stdout);
  if (!strcmp(kind, "shadow")) return shadow(1 << 30);
  if (!strcmp(kind, "native")) return native(1 << 30);
  fprintf(stderr, "usage: stack_overflow shadow|native\n");
  return 2;
}

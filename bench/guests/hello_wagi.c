// The hello of the Node.js comparison (P3): a WASI command that answers in
// CGI form, run per request by spindle's WAGI executor and by node:wasi.
#include <stdio.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nhello\n", stdout);
  return 0;
}

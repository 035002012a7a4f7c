// {{project-name}}: a WAGI component. The request arrives as CGI variables in
// the environment (and the body on stdin); the response is written to stdout:
// headers, a blank line, then the body.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char* path = getenv("PATH_INFO");
  const char* query = getenv("QUERY_STRING");
  printf("Content-Type: text/plain\n\n");
  printf("Hello from {{project-name}}! You asked for %s", path && *path ? path : "/");
  if (query && *query) printf("?%s", query);
  printf("\n");
  return 0;
}

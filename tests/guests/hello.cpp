// The hello guest: writes 13 bytes ("hello, world\n") to standard output.
#include <cstdio>
#include <string_view>

int main() {
  constexpr std::string_view greeting = "hello, world\n";
  std::fwrite(greeting.data(), 1, greeting.size(), stdout);
  return 0;
}

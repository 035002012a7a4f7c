#include "greeting.h"

std::string greeting(std::string_view who) {
  return "hello, " + std::string(who.empty() ? "world" : who) + "\n";
}

#pragma once
#include <string>
#include <string_view>

std::string greeting(std::string_view who);

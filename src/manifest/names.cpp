// Names: edit distance for "did you mean", and Spin's id rules.
#include <algorithm>
#include <cctype>
#include <numeric>

#include "manifest/internal.h"

namespace spindle::manifest::detail {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // Close enough: at most a third of the word's letters changed (at least 1,
  // at most 3), or the same word up to case and '-'/'_'.
  auto fold = [](std::string_view s) {
    std::string out;
    for (char c : s) out += c == '-' ? '_' : static_cast<char>(std::tolower(c));
    return out;
  };
  size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  const std::string* best = nullptr;
  size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    size_t d = fold(word) == fold(c) ? 0 : edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = &c;
    }
  }
  if (!best || best_d > limit) return {};
  return "did you mean `" + *best + "`?";
}

std::optional<std::string> id_problem(std::string_view id, char delim, bool lower_only) {
  if (id.empty()) return "it is empty";
  if (lower_only && std::any_of(id.begin(), id.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) != 0;
      })) {
    return "it must be lowercase";
  }
  size_t start = 0;
  while (start <= id.size()) {
    size_t end = id.find(delim, start);
    if (end == std::string_view::npos) end = id.size();
    std::string_view word = id.substr(start, end - start);
    if (word.empty()) return std::string("`") + delim + "`-separated words must not be empty";
    if (!std::isalpha(static_cast<unsigned char>(word[0]))) {
      return std::string("each `") + delim + "`-separated word must start with a letter";
    }
    bool upper = std::isupper(static_cast<unsigned char>(word[0]));
    for (char c : word) {
      auto u = static_cast<unsigned char>(c);
      if (!std::isalnum(u)) {
        return std::string("`") + c + "` is not allowed (only ASCII letters, digits and `" + delim +
               "`)";
      }
      if (std::isalpha(u) && (std::isupper(u) != 0) != upper) {
        return "words must be all lowercase or all UPPERCASE";
      }
    }
    if (upper && lower_only) return "it must be lowercase";
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace spindle::manifest::detail

namespace spindle::manifest {

std::string one_of(const std::vector<std::string>& candidates) {
  std::string out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0) out += i + 1 == candidates.size() ? " or " : ", ";
    out += "`" + candidates[i] + "`";
  }
  return out;
}

bool is_label(std::string_view label) {
  return !detail::id_problem(label, '-', false) || !detail::id_problem(label, '_', false);
}

}  // namespace spindle::manifest

#include "trigger/cron/schedule.h"

#include <cctype>
#include <charconv>
#include <ctime>
#include <vector>

namespace spindle::trigger::cron {

namespace {

struct FieldSpec {
  const char* name;  // for messages
  int min, max;
  bool any_allowed;                      // `?`
  int (*named)(std::string_view lower);  // name → value, or -1; null: no names
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int month_name(std::string_view n) {
  static const char* const shorts[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char* const longs[] = {"january",   "february", "march",    "april",
                                      "may",       "june",     "july",     "august",
                                      "september", "october",  "november", "december"};
  for (int i = 0; i < 12; ++i)
    if (n == shorts[i] || n == longs[i]) return i + 1;
  return -1;
}

int weekday_name(std::string_view n) {
  static const char* const shorts[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  static const char* const longs[] = {"sunday",   "monday", "tuesday", "wednesday",
                                      "thursday", "friday", "saturday"};
  for (int i = 0; i < 7; ++i)
    if (n == shorts[i] || n == longs[i]) return i + 1;
  if (n == "tues") return 3;
  if (n == "thurs") return 5;
  return -1;
}

const FieldSpec kFields[] = {
    {"seconds", 0, 59, false, nullptr},   {"minutes", 0, 59, false, nullptr},
    {"hours", 0, 23, false, nullptr},     {"day-of-month", 1, 31, true, nullptr},
    {"month", 1, 12, false, month_name},  {"day-of-week", 1, 7, true, weekday_name},
    {"year", 1970, 2100, false, nullptr},
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool all_alpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

// Parses one field into `values` (indexes min..max); false with `why`.
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, std::vector<bool>& values, std::string& why)
      : spec_(spec), values_(values), why_(why) {}

  bool parse(std::string_view field) {
    size_t start = 0;
    while (true) {
      size_t comma = field.find(',', start);
      std::string_view item = field.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (item.empty()) return fail("an empty list entry");
      if (!element(item)) return false;
      if (comma == std::string_view::npos) return true;
      start = comma + 1;
    }
  }

 private:
  bool fail(std::string why) {
    why_ = std::move(why);
    return false;
  }

  // A number or a name of this field into `out`; false (with why_) when neither.
  bool value(std::string_view s, int& out) {
    if (all_digits(s)) {
      unsigned long v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || v > 1000000) return fail("`" + std::string(s) + "` is too large");
      out = static_cast<int>(v);
      return true;
    }
    if (all_alpha(s)) {
      if (!spec_.named)
        return fail("the " + std::string(spec_.name) + " field takes no names (`" + std::string(s) +
                    "`)");
      out = spec_.named(lower(s));
      if (out < 0)
        return fail("`" + std::string(s) + "` is not a " +
                    (spec_.named == month_name ? "month" : "day of the week") + " name");
      return true;
    }
    return fail("`" + std::string(s) + "` is not a number" +
                (spec_.named ? std::string(" or a name") : std::string()));
  }

  bool in_range(int v) {
    if (v < spec_.min)
      return fail(std::to_string(v) + " is below " + std::to_string(spec_.min) + " (the " +
                  spec_.name + " field takes " + range_text() + ")");
    if (v > spec_.max)
      return fail(std::to_string(v) + " is above " + std::to_string(spec_.max) + " (the " +
                  spec_.name + " field takes " + range_text() + ")");
    return true;
  }

  std::string range_text() const {
    std::string t = std::to_string(spec_.min) + "-" + std::to_string(spec_.max);
    if (spec_.named == weekday_name) t += ", 1 = Sunday";
    return t;
  }

  // `*`, `?`, `a-b` or a named range: [lo, hi]. `point` set for a lone
  // value (which a step then runs from to the field's maximum).
  bool base(std::string_view s, int& lo, int& hi, bool& point) {
    point = false;
    if (s == "*" || s == "?") {
      if (s == "?" && !spec_.any_allowed)
        return fail("`?` is only allowed in the day-of-month and day-of-week fields");
      lo = spec_.min;
      hi = spec_.max;
      return true;
    }
    size_t dash = s.find('-');
    if (dash != std::string_view::npos) {
      std::string_view a = s.substr(0, dash), b = s.substr(dash + 1);
      if (a.empty() || b.empty()) return fail("`" + std::string(s) + "` is not a range `a-b`");
      if (all_digits(a) != all_digits(b))
        return fail("`" + std::string(s) + "` mixes a number and a name");
      if (!value(a, lo) || !value(b, hi) || !in_range(lo) || !in_range(hi)) return false;
      if (lo > hi) return fail("the range `" + std::string(s) + "` ends before it starts");
      return true;
    }
    if (!value(s, lo) || !in_range(lo)) return false;
    hi = lo;
    point = true;
    return true;
  }

  bool element(std::string_view item) {
    size_t slash = item.find('/');
    int lo = 0, hi = 0;
    bool point = false;
    if (slash == std::string_view::npos) {
      if (!base(item, lo, hi, point)) return false;
      for (int v = lo; v <= hi; ++v) values_[v - spec_.min] = true;
      return true;
    }
    std::string_view left = item.substr(0, slash), right = item.substr(slash + 1);
    if (!all_digits(right)) return fail("the step in `" + std::string(item) + "` is not a number");
    int step = 0;
    if (!value(right, step)) return false;
    if (step == 0) return fail("the step in `" + std::string(item) + "` is zero");
    if (left.empty()) return fail("`" + std::string(item) + "` has nothing before `/`");
    if (all_alpha(left))
      return fail("a step needs `*`, a number or a range before `/`, not the name `" +
                  std::string(left) + "`");
    if (!base(left, lo, hi, point)) return false;
    if (point) hi = spec_.max;
    for (int v = lo; v <= hi; v += step) values_[v - spec_.min] = true;
    return true;
  }

  const FieldSpec& spec_;
  std::vector<bool>& values_;
  std::string& why_;
};

// Sets bit first_bit + i for each value i set.
template <size_t N>
void fill(std::bitset<N>& bits, const std::vector<bool>& values, size_t first_bit) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i]) bits.set(first_bit + i);
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

const char* const kOrdinal[] = {"1st", "2nd", "3rd", "4th", "5th", "6th", "7th"};

}  // namespace

std::optional<Schedule> Schedule::parse(std::string_view expression, std::string& error) {
  std::vector<std::string_view> fields = split_ws(expression);
  Schedule s;
  if (fields.size() == 1 && fields[0].starts_with("@")) {
    std::string_view k = fields[0];
    // Every shorthand fires at 00:00:00 of its period.
    s.seconds_.set(0);
    s.minutes_.set(0);
    s.years_.set();
    s.months_.set();
    s.months_.reset(0);
    s.days_.set();
    s.days_.reset(0);
    s.weekdays_.set();
    s.weekdays_.reset(0);
    s.hours_.set(0);
    if (k == "@yearly") {
      s.months_.reset();
      s.months_.set(1);
      s.days_.reset();
      s.days_.set(1);
    } else if (k == "@monthly") {
      s.days_.reset();
      s.days_.set(1);
    } else if (k == "@weekly") {
      s.weekdays_.reset();
      s.weekdays_.set(1);
    } else if (k == "@daily") {
    } else if (k == "@hourly") {
      s.hours_.set();
    } else {
      error = "`" + std::string(k) +
              "` is not a shorthand (expected `@yearly`, `@monthly`, `@weekly`, `@daily` or "
              "`@hourly`)";
      return std::nullopt;
    }
    return s;
  }
  if (fields.size() != 6 && fields.size() != 7) {
    error =
        "expected 6 fields (sec min hour day-of-month month day-of-week) or 7 (and year), "
        "found " +
        std::to_string(fields.size());
    if (fields.size() == 5)
      error += " (the seconds field comes first: `0 " + std::string(expression) + "`)";
    return std::nullopt;
  }
  for (size_t i = 0; i < 7; ++i) {
    const FieldSpec& spec = kFields[i];
    std::vector<bool> values(spec.max - spec.min + 1, false);
    if (i < fields.size()) {
      std::string why;
      FieldParser p(spec, values, why);
      if (!p.parse(fields[i])) {
        error = std::string("the ") + kOrdinal[i] + " field (" + spec.name + ") `" +
                std::string(fields[i]) + "`: " + why;
        return std::nullopt;
      }
    } else {
      values.assign(values.size(), true);
    }
    switch (i) {
      case 0:
        fill(s.seconds_, values, 0);
        break;
      case 1:
        fill(s.minutes_, values, 0);
        break;
      case 2:
        fill(s.hours_, values, 0);
        break;
      case 3:
        fill(s.days_, values, 1);
        break;
      case 4:
        fill(s.months_, values, 1);
        break;
      case 5:
        fill(s.weekdays_, values, 1);
        break;
      default:
        fill(s.years_, values, 0);
        break;  // bit 0 is 1970
    }
  }
  return s;
}

std::optional<int64_t> Schedule::next_after(int64_t after) const {
  int64_t t = after + 1;
  // Each step moves to the start of the next unit that can match, so this
  // ends within a few hundred thousand steps (it passes 2100 at the latest).
  for (int guard = 0; guard < 2000000; ++guard) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (!gmtime_r(&tt, &tm)) return std::nullopt;
    int year = tm.tm_year + 1900;
    if (year > 2100) return std::nullopt;
    auto start_of = [&](int y, int mon, int mday, int h, int m, int sec) {
      std::tm n{};
      n.tm_year = y - 1900;
      n.tm_mon = mon;
      n.tm_mday = mday;
      n.tm_hour = h;
      n.tm_min = m;
      n.tm_sec = sec;
      return static_cast<int64_t>(timegm(&n));  // normalises overflowing fields
    };
    if (year < 1970 || !years_.test(year - 1970)) {
      t = start_of(year + 1, 0, 1, 0, 0, 0);
    } else if (!months_.test(tm.tm_mon + 1)) {
      t = start_of(year, tm.tm_mon + 1, 1, 0, 0, 0);
    } else if (!days_.test(tm.tm_mday) || !weekdays_.test(tm.tm_wday + 1)) {
      t = start_of(year, tm.tm_mon, tm.tm_mday + 1, 0, 0, 0);
    } else if (!hours_.test(tm.tm_hour)) {
      t = start_of(year, tm.tm_mon, tm.tm_mday, tm.tm_hour + 1, 0, 0);
    } else if (!minutes_.test(tm.tm_min)) {
      t = start_of(year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min + 1, 0);
    } else if (!seconds_.test(tm.tm_sec)) {
      t += 1;
    } else {
      return t;
    }
  }
  return std::nullopt;
}

}  // namespace spindle::trigger::cron

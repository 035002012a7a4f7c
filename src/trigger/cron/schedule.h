// Cron expressions as Fermyon's spin-trigger-cron plugin reads them (it uses
// the Rust `cron` crate, 0.12), and the times they fire at, in UTC.
//
//   sec min hour day-of-month month day-of-week [year]
//
// | field        | values    | names                          |
// |--------------|-----------|--------------------------------|
// | seconds      | 0-59      |                                |
// | minutes      | 0-59      |                                |
// | hours        | 0-23      |                                |
// | day of month | 1-31      | (`?` means any)                |
// | month        | 1-12      | jan..dec, january..december    |
// | day of week  | 1-7, 1=Sun| sun..sat, full names, tues, thurs (`?` any) |
// | year         | 1970-2100 | (optional; default every year) |
//
// Each field is a comma-separated list of `*`, `n`, `a-b`, a name, a named
// range `mon-fri`, or a step `x/s` where x is `*`, `a-b`, a named range, or
// `n` (meaning n to the field's maximum). Names are case-insensitive. The
// shorthands `@yearly @monthly @weekly @daily @hourly` stand for whole
// expressions (`@weekly`: Sundays at 00:00:00). A day must match both the
// day-of-month and the day-of-week fields (as the crate does, unlike
// Vixie cron's "either").
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spindle::trigger::cron {

class Schedule {
 public:
  // Nullopt with `error` naming the field and why ("the seconds field
  // `70`: 70 is above 59").
  static std::optional<Schedule> parse(std::string_view expression, std::string& error);

  // The first time strictly after `after` (seconds since the Unix epoch,
  // UTC) the schedule fires at; nullopt when it never fires again (past
  // its last year, or a date that never exists such as Feb 30).
  std::optional<int64_t> next_after(int64_t after) const;

 private:
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<8> weekdays_;  // 1..7, 1 = Sunday
  std::bitset<131> years_;   // 1970..2100
};

}  // namespace spindle::trigger::cron

// Cron expressions as the spin-trigger-cron plugin reads them (the Rust
// `cron` crate): next fire times (UTC) for several expressions, and the
// expressions refused, with the field and the reason.
#include <gtest/gtest.h>

#include <ctime>

#include "trigger/cron/schedule.h"

using spindle::trigger::cron::Schedule;

namespace {

// Seconds since the epoch of a UTC date and time.
int64_t at(int y, int mon, int d, int h = 0, int m = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return timegm(&tm);
}

Schedule parse(const char* e) {
  std::string error;
  auto s = Schedule::parse(e, error);
  EXPECT_TRUE(s.has_value()) << e << ": " << error;
  return s.value_or(*Schedule::parse("* * * * * *", error));
}

std::string refused(const char* e) {
  std::string error;
  auto s = Schedule::parse(e, error);
  EXPECT_FALSE(s.has_value()) << e;
  return error;
}

}  // namespace

TEST(CronSchedule, EverySecond) {
  Schedule s = parse("* * * * * *");
  EXPECT_EQ(s.next_after(at(2026, 3, 1, 12, 0, 0)), at(2026, 3, 1, 12, 0, 1));
  EXPECT_EQ(s.next_after(at(2026, 12, 31, 23, 59, 59)), at(2027, 1, 1));
}

TEST(CronSchedule, StepsFromAStartRunToTheFieldsEnd) {
  // The plugin's sample: "1/2" is 1, 3, 5, ... 59.
  Schedule s = parse("1/2 * * * * *");
  EXPECT_EQ(s.next_after(at(2026, 3, 1, 12, 0, 0)), at(2026, 3, 1, 12, 0, 1));
  EXPECT_EQ(s.next_after(at(2026, 3, 1, 12, 0, 1)), at(2026, 3, 1, 12, 0, 3));
  EXPECT_EQ(s.next_after(at(2026, 3, 1, 12, 0, 59)), at(2026, 3, 1, 12, 1, 1));
  Schedule every15 = parse("*/15 * * * * *");
  EXPECT_EQ(every15.next_after(at(2026, 3, 1, 12, 0, 44)), at(2026, 3, 1, 12, 0, 45));
  EXPECT_EQ(every15.next_after(at(2026, 3, 1, 12, 0, 45)), at(2026, 3, 1, 12, 1, 0));
  Schedule ranged = parse("10-20/5 * * * * *");
  EXPECT_EQ(ranged.next_after(at(2026, 3, 1, 12, 0, 15)), at(2026, 3, 1, 12, 0, 20));
  EXPECT_EQ(ranged.next_after(at(2026, 3, 1, 12, 0, 20)), at(2026, 3, 1, 12, 1, 10));
}

TEST(CronSchedule, TheReadmeExample) {
  // "0 1/2 11,12 5-10 * * *": minutes 1, 3, ... in hours 11 and 12 of days 5-10.
  Schedule s = parse("0 1/2 11,12 5-10 * * *");
  EXPECT_EQ(s.next_after(at(2026, 3, 1)), at(2026, 3, 5, 11, 1, 0));
  EXPECT_EQ(s.next_after(at(2026, 3, 5, 11, 1, 0)), at(2026, 3, 5, 11, 3, 0));
  EXPECT_EQ(s.next_after(at(2026, 3, 5, 12, 59, 0)), at(2026, 3, 6, 11, 1, 0));
  EXPECT_EQ(s.next_after(at(2026, 3, 10, 12, 59, 0)), at(2026, 4, 5, 11, 1, 0));
}

TEST(CronSchedule, NamedMonthsAndDaysOneIsSunday) {
  // 2026-03-01 is a Sunday.
  Schedule weekdays = parse("0 30 9 * * Mon-Fri");
  EXPECT_EQ(weekdays.next_after(at(2026, 2, 27, 10)), at(2026, 3, 2, 9, 30));  // Fri → Mon
  Schedule sunday = parse("0 0 0 * * 1");
  EXPECT_EQ(sunday.next_after(at(2026, 3, 2)), at(2026, 3, 8));
  Schedule lists = parse("0 0 12 * JAN,jul SAT,sunday");
  EXPECT_EQ(lists.next_after(at(2026, 3, 1)), at(2026, 7, 4, 12));
  Schedule full = parse("0 0 0 1 February-April/2 ?");
  EXPECT_EQ(full.next_after(at(2026, 2, 1)), at(2026, 4, 1));
  EXPECT_EQ(full.next_after(at(2026, 4, 1)), at(2027, 2, 1));
}

TEST(CronSchedule, DayOfMonthAndDayOfWeekMustBothMatch) {
  // Friday the 13th (the crate ANDs the two fields).
  Schedule s = parse("0 0 0 13 * Fri");
  EXPECT_EQ(s.next_after(at(2026, 1, 1)), at(2026, 2, 13));
  EXPECT_EQ(s.next_after(at(2026, 2, 13)), at(2026, 3, 13));
  EXPECT_EQ(s.next_after(at(2026, 3, 13)), at(2026, 11, 13));
}

TEST(CronSchedule, YearsAndLeapDays) {
  Schedule leap = parse("0 0 0 29 2 *");
  EXPECT_EQ(leap.next_after(at(2026, 1, 1)), at(2028, 2, 29));
  Schedule years = parse("0 0 0 1 1 * 2030,2035-2036");
  EXPECT_EQ(years.next_after(at(2026, 6, 1)), at(2030, 1, 1));
  EXPECT_EQ(years.next_after(at(2030, 1, 1)), at(2035, 1, 1));
  EXPECT_EQ(years.next_after(at(2036, 1, 1)), std::nullopt);                  // its last run
  EXPECT_EQ(parse("0 0 0 30 2 *").next_after(at(2026, 1, 1)), std::nullopt);  // never
}

TEST(CronSchedule, Shorthands) {
  EXPECT_EQ(parse("@hourly").next_after(at(2026, 3, 1, 5, 30)), at(2026, 3, 1, 6));
  EXPECT_EQ(parse("@daily").next_after(at(2026, 3, 1, 5, 30)), at(2026, 3, 2));
  EXPECT_EQ(parse("@weekly").next_after(at(2026, 3, 2)), at(2026, 3, 8));  // Sunday
  EXPECT_EQ(parse("@monthly").next_after(at(2026, 3, 2)), at(2026, 4, 1));
  EXPECT_EQ(parse(" @yearly ").next_after(at(2026, 3, 2)), at(2027, 1, 1));
}

TEST(CronSchedule, InvalidExpressionsNameTheFieldAndWhy) {
  EXPECT_NE(refused("*/5 * * * *").find("expected 6 fields"), std::string::npos);
  EXPECT_NE(refused("*/5 * * * *").find("the seconds field comes first"), std::string::npos);
  EXPECT_NE(refused("* * * * * * * *").find("found 8"), std::string::npos);
  EXPECT_EQ(refused("60 * * * * *"),
            "the 1st field (seconds) `60`: 60 is above 59 (the seconds field takes 0-59)");
  EXPECT_EQ(refused("0 0 24 * * *"),
            "the 3rd field (hours) `24`: 24 is above 23 (the hours field takes 0-23)");
  EXPECT_NE(refused("0 0 0 0 * *").find("0 is below 1"), std::string::npos);
  EXPECT_NE(refused("0 0 0 * * 0").find("1 = Sunday"), std::string::npos);
  EXPECT_NE(refused("*/0 * * * * *").find("step in `*/0` is zero"), std::string::npos);
  EXPECT_NE(refused("5-3 * * * * *").find("ends before it starts"), std::string::npos);
  EXPECT_NE(refused("0 0 0 * Foo *").find("`Foo` is not a month name"), std::string::npos);
  EXPECT_NE(refused("0 0 0 * * Mon,Turtle").find("not a day of the week name"), std::string::npos);
  EXPECT_NE(refused("mon * * * * *").find("the seconds field takes no names"), std::string::npos);
  EXPECT_NE(refused("? * * * * *").find("`?` is only allowed"), std::string::npos);
  EXPECT_NE(refused("1,,2 * * * * *").find("empty list entry"), std::string::npos);
  EXPECT_NE(refused("0 0 0 * * Tue/2").find("not the name"), std::string::npos);
  EXPECT_NE(refused("0 0 0 * * 3-Thu").find("mixes a number and a name"), std::string::npos);
  EXPECT_NE(refused("0 0 0 1 1 * 1969").find("below 1970"), std::string::npos);
  EXPECT_NE(refused("@every5s").find("not a shorthand"), std::string::npos);
  EXPECT_NE(refused("").find("found 0"), std::string::npos);
}

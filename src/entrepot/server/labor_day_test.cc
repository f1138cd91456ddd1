#include "entrepot/server/labor_day.h"

#include <gtest/gtest.h>

#include <chrono>

namespace entrepot::server {
namespace {

using std::chrono::day;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::month;
using std::chrono::year;

privacy::Date D(int y, unsigned m, unsigned d) { return privacy::Date{year(y), month(m), day(d)}; }

// Unix milliseconds of a UTC date and time.
int64_t UtcMs(int y, unsigned m, unsigned d, int h, int min = 0) {
  const auto at = std::chrono::sys_days(D(y, m, d)) + hours(h) + minutes(min);
  return std::chrono::duration_cast<milliseconds>(at.time_since_epoch()).count();
}

LaborTimeZone Paris() {
  StatusOr<LaborTimeZone> zone = LaborTimeZone::Find("Europe/Paris");
  EXPECT_TRUE(zone.ok()) << zone.status().ToString();
  return zone.ok() ? *zone : LaborTimeZone();
}

// Paris is UTC+2 in summer: its day ends at 22:00 UTC. A UTC day would keep the first two
// hours of the night shift in the evening's day.
TEST(LaborDayTest, AParisDayEndsAtLocalMidnightInSummer) {
  const LaborTimeZone paris = Paris();
  EXPECT_EQ(paris.name(), "Europe/Paris");
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 5, 4, 21, 59), paris), D(2026, 5, 4));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 5, 4, 22, 0), paris), D(2026, 5, 5));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 5, 4, 22, 0) - 1, paris), D(2026, 5, 4));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 5, 4, 22, 30), LaborTimeZone()), D(2026, 5, 4));  // UTC.
  EXPECT_EQ(paris.StartOfDayMs(D(2026, 5, 5)), UtcMs(2026, 5, 4, 22));
}

// UTC+1 in winter: the day ends at 23:00 UTC.
TEST(LaborDayTest, AParisDayEndsAtLocalMidnightInWinter) {
  const LaborTimeZone paris = Paris();
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 1, 15, 22, 59), paris), D(2026, 1, 15));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 1, 15, 23, 0), paris), D(2026, 1, 16));
  EXPECT_EQ(paris.StartOfDayMs(D(2026, 1, 16)), UtcMs(2026, 1, 15, 23));
}

// The clocks go forward on 29 March 2026 (02:00 -> 03:00) and back on 25 October 2026
// (03:00 -> 02:00): those labor days last 23 and 25 hours.
TEST(LaborDayTest, DaysAcrossTheClockChangesLast23And25Hours) {
  const LaborTimeZone paris = Paris();
  EXPECT_EQ(paris.StartOfDayMs(D(2026, 3, 29)), UtcMs(2026, 3, 28, 23));
  EXPECT_EQ(paris.StartOfDayMs(D(2026, 3, 30)), UtcMs(2026, 3, 29, 22));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 3, 29, 1, 30), paris), D(2026, 3, 29));  // 03:30 CEST.
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 3, 29, 21, 59), paris), D(2026, 3, 29));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 3, 29, 22, 0), paris), D(2026, 3, 30));

  EXPECT_EQ(paris.StartOfDayMs(D(2026, 10, 25)), UtcMs(2026, 10, 24, 22));
  EXPECT_EQ(paris.StartOfDayMs(D(2026, 10, 26)), UtcMs(2026, 10, 25, 23));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 10, 25, 0, 30), paris), D(2026, 10, 25));  // 02:30 CEST.
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 10, 25, 1, 30), paris), D(2026, 10, 25));  // 02:30 CET.
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 10, 25, 22, 59), paris), D(2026, 10, 25));
  EXPECT_EQ(LaborDayOf(UtcMs(2026, 10, 25, 23, 0), paris), D(2026, 10, 26));
}

// Brazil moved its clocks forward at midnight (4 November 2018, 00:00 -> 01:00): that day
// began at 01:00 local, 03:00 UTC.
TEST(LaborDayTest, ADayWhoseMidnightIsSkippedStartsWhenItBegins) {
  StatusOr<LaborTimeZone> sao_paulo = LaborTimeZone::Find("America/Sao_Paulo");
  ASSERT_TRUE(sao_paulo.ok()) << sao_paulo.status().ToString();
  const int64_t start = sao_paulo->StartOfDayMs(D(2018, 11, 4));
  EXPECT_EQ(start, UtcMs(2018, 11, 4, 3));
  EXPECT_EQ(sao_paulo->DayOf(start), D(2018, 11, 4));
  EXPECT_EQ(sao_paulo->DayOf(start - 1), D(2018, 11, 3));
}

TEST(LaborDayTest, UnknownZonesAreRefusedWithAReason) {
  StatusOr<LaborTimeZone> typo = LaborTimeZone::Find("Europe/Pari");
  EXPECT_EQ(typo.status().reason(), "unknown_time_zone");
  EXPECT_EQ(typo.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LaborDayOf(0, "Mars/Olympus_Mons").status().reason(), "unknown_time_zone");
  EXPECT_EQ(*LaborDayOf(UtcMs(2026, 5, 4, 22), "Europe/Paris"), D(2026, 5, 5));
  EXPECT_TRUE(IsKnownTimeZone("UTC"));
  EXPECT_TRUE(IsKnownTimeZone("Europe/Paris"));
  EXPECT_TRUE(IsKnownTimeZone("Etc/GMT-2"));
  EXPECT_FALSE(IsKnownTimeZone("Europe/Pari"));
  EXPECT_FALSE(IsKnownTimeZone(""));
}

// The end-of-day job runs every hour, and just after each local midnight.
TEST(LaborDayTest, TheJobWakesJustAfterLocalMidnight) {
  const LaborTimeZone paris = Paris();
  const milliseconds hour = hours(1);
  // 23:30 in Paris: half an hour to midnight, plus the margin.
  EXPECT_EQ(UntilNextRun(UtcMs(2026, 5, 4, 21, 30), hour, paris, milliseconds(1000)),
            minutes(30) + milliseconds(1000));
  EXPECT_EQ(UntilNextRun(UtcMs(2026, 5, 4, 10), hour, paris), hour);
  // The same instant in UTC is 21:30: an hour to wait.
  EXPECT_EQ(UntilNextRun(UtcMs(2026, 5, 4, 21, 30), hour, LaborTimeZone()), hour);
  // Woken at midnight exactly, it runs the day's roll-up and waits for the next hour.
  EXPECT_EQ(UntilNextRun(UtcMs(2026, 5, 4, 22), hour, paris), hour);
}

}  // namespace
}  // namespace entrepot::server

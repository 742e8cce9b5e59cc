#include "core/slurm/timefmt.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <vector>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

constexpr Time kMin = 60, kHour = 3600, kDay = 86400;

struct ParseCase {
  const char* name;
  const char* in;
  std::optional<Time> want;
};

class ParseTimeLimit : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseTimeLimit, Parses) { EXPECT_EQ(parse_time_limit(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, ParseTimeLimit,
                         testing::ValuesIn(std::vector<ParseCase>{
                             {"BareMinutes", "1", kMin},
                             {"ZeroMinutes", "0", 0},
                             {"ManyMinutes", "90", 90 * kMin},
                             {"MinutesSeconds", "1:30", kMin + 30},
                             {"LeadingZeros", "01:05", kMin + 5},
                             {"SecondsAbove59", "0:90", 90},
                             {"HoursMinutesSeconds", "1:00:00", kHour},
                             {"FullHMS", "12:34:56", 12 * kHour + 34 * kMin + 56},
                             {"DaysHours", "2-12", 2 * kDay + 12 * kHour},
                             {"DaysHoursMinutes", "2-12:30", 2 * kDay + 12 * kHour + 30 * kMin},
                             {"DaysHMS", "2-12:30:15", 2 * kDay + 12 * kHour + 30 * kMin + 15},
                             {"ZeroDays", "0-1", kHour},
                             {"Unlimited", "UNLIMITED", kUnlimited},
                             {"UnlimitedLower", "unlimited", kUnlimited},
                             {"Infinite", "INFINITE", kUnlimited},
                             {"InfiniteMixedCase", "Infinite", kUnlimited},
                             {"MinusOneIsUnlimited", "-1", kUnlimited},  // Slurm's time_str2mins
                             {"HugeButRepresentable", "100000000-0", 100000000 * kDay},
                             {"Garbage", "abc", std::nullopt},
                             {"Empty", "", std::nullopt},
                             {"Negative", "-5", std::nullopt},
                             {"MinusTwo", "-2", std::nullopt},
                             {"MinusOneWithSuffix", "-1:00", std::nullopt},
                             {"PlusSign", "+5", std::nullopt},
                             {"TooManyFields", "1:2:3:4", std::nullopt},
                             {"TooManyFieldsWithDays", "1-2:3:4:5", std::nullopt},
                             {"DaysOnly", "5-", std::nullopt},
                             {"DashOnly", "-", std::nullopt},
                             {"TwoDashes", "1-2-3", std::nullopt},
                             {"EmptyMinutes", ":30", std::nullopt},
                             {"EmptySeconds", "1:", std::nullopt},
                             {"EmptyMiddleField", "1::2", std::nullopt},
                             {"Fraction", "1.5", std::nullopt},
                             {"LeadingSpace", " 1", std::nullopt},
                             {"TrailingSpace", "1 ", std::nullopt},
                             {"GarbageDays", "x-1", std::nullopt},
                             {"UnlimitedWithSuffix", "UNLIMITEDX", std::nullopt},
                             {"FieldOverflow", "99999999999999999999", std::nullopt},
                             {"TotalOverflow", "999999999999999999", std::nullopt},
                             {"DaysOverflow", "999999999999999-0", std::nullopt},
                         }),
                         case_name<ParseCase>);

// Slurm keeps limits in whole minutes: seconds round up (time_str2mins), then print as minutes.
struct RoundCase {
  const char* name;
  const char* in;  // as typed to -t
  Time unit;
  const char* want;  // format_hms of the rounded limit (scontrol show job's TimeLimit=)
};

class RoundUpLimit : public testing::TestWithParam<RoundCase> {};

TEST_P(RoundUpLimit, AsSlurmKeepsIt) {
  const auto secs = parse_time_limit(GetParam().in);
  ASSERT_TRUE(secs);
  EXPECT_EQ(format_hms(round_up_limit(*secs, GetParam().unit)), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Cases, RoundUpLimit,
                         testing::ValuesIn(std::vector<RoundCase>{
                             {"MinutesSecondsRoundUp", "10:30", 60, "00:11:00"},
                             {"DaysHMSRoundUp", "5-1:2:3", 60, "5-01:03:00"},
                             {"OneSecondIsAMinute", "0:01", 60, "00:01:00"},
                             {"SecondsAbove59RoundUp", "0:90", 60, "00:02:00"},
                             {"WholeMinutesStay", "10", 60, "00:10:00"},
                             {"WholeHMSStays", "1:02:00", 60, "01:02:00"},
                             {"HMSWithSecondsRoundsUp", "1:59:59", 60, "02:00:00"},
                             {"DaysHoursStay", "2-12", 60, "2-12:00:00"},
                             {"UnlimitedStays", "UNLIMITED", 60, "UNLIMITED"},
                             {"MinusOneStaysUnlimited", "-1", 60, "UNLIMITED"},
                             {"ZeroStays", "0", 60, "00:00:00"},
                             {"UnitOneKeepsSeconds", "10:30", 1, "00:10:30"},
                             {"UnitZeroKeepsSeconds", "10:30", 0, "00:10:30"},
                             {"OtherUnit", "0:31", 30, "00:01:00"},
                         }),
                         case_name<RoundCase>);

TEST(RoundUpLimit, MarkersAndOverflow) {
  EXPECT_EQ(round_up_limit(kNoValue, 60), kNoValue);
  EXPECT_EQ(round_up_limit(kUnlimited, 60), kUnlimited);
  EXPECT_EQ(round_up_limit(INT64_MAX, 60), INT64_MAX / 60 * 60) << "saturates at a whole number of units";
  EXPECT_EQ(round_up_limit(INT64_MAX - 1, 1), INT64_MAX - 1);
}

struct FormatCase {
  const char* name;
  Time secs;
  const char* limit;    // format_time_limit
  const char* elapsed;  // format_elapsed
  const char* hms;      // format_hms
};

class FormatDuration : public testing::TestWithParam<FormatCase> {};

TEST_P(FormatDuration, TimeLimit) { EXPECT_EQ(format_time_limit(GetParam().secs), GetParam().limit); }
TEST_P(FormatDuration, Elapsed) { EXPECT_EQ(format_elapsed(GetParam().secs), GetParam().elapsed); }
TEST_P(FormatDuration, Hms) { EXPECT_EQ(format_hms(GetParam().secs), GetParam().hms); }

INSTANTIATE_TEST_SUITE_P(Cases, FormatDuration,
                         testing::ValuesIn(std::vector<FormatCase>{
                             {"Zero", 0, "0:00", "0:00", "00:00:00"},
                             {"Seconds", 14, "0:14", "0:14", "00:00:14"},
                             {"HalfMinute", 30, "0:30", "0:30", "00:00:30"},
                             {"OneMinute", kMin, "1:00", "1:00", "00:01:00"},
                             {"MinutesSeconds", 24 * kMin + 20, "24:20", "24:20", "00:24:20"},
                             {"JustUnderHour", kHour - 1, "59:59", "59:59", "00:59:59"},
                             {"OneHour", kHour, "1:00:00", "1:00:00", "01:00:00"},
                             {"Hours", 6 * kHour + 45 * kMin + 14, "6:45:14", "6:45:14", "06:45:14"},
                             {"HalfDay", 12 * kHour, "12:00:00", "12:00:00", "12:00:00"},
                             {"JustUnderDay", kDay - 1, "23:59:59", "23:59:59", "23:59:59"},
                             {"OneDay", kDay, "1-00:00:00", "1-00:00:00", "1-00:00:00"},
                             {"DaysHMS", kDay + 2 * kHour + 3 * kMin + 4, "1-02:03:04", "1-02:03:04", "1-02:03:04"},
                             {"SixDays", 6 * kDay, "6-00:00:00", "6-00:00:00", "6-00:00:00"},
                             {"ManyDays", 365 * kDay + 1, "365-00:00:01", "365-00:00:01", "365-00:00:01"},
                             {"Unlimited", kUnlimited, "UNLIMITED", "INVALID", "UNLIMITED"},
                             {"NoValue", kNoValue, "NOT_SET", "INVALID", "NOT_SET"},
                             {"OtherNegative", -7, "INVALID", "INVALID", "INVALID"},
                         }),
                         case_name<FormatCase>);

TEST(ParseTimeLimit, RoundTripsThroughFormatters) {
  for (const char* s : {"1:00", "0:30", "12:00:00", "6-00:00:00", "1-02:03:04", "UNLIMITED"}) {
    const auto secs = parse_time_limit(s);
    ASSERT_TRUE(secs.has_value()) << s;
    EXPECT_EQ(format_time_limit(*secs), s);
  }
}

// Timestamps are printed in local time; each case pins TZ with a POSIX rule (no tzdata needed).
class LocalTime : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
  }
  void TearDown() override {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  static void use_tz(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
  }

 private:
  std::optional<std::string> saved_;
};

constexpr Time kThu = 1795665138;         // 2026-11-26T03:52:18Z
constexpr Time kThuEvening = 1795723200;  // 2026-11-26T20:00:00Z
constexpr Time kEarlyNov = 1793934245;    // 2026-11-06T03:04:05Z, a one-digit day

TEST_F(LocalTime, IsoUtc) {
  use_tz("UTC0");
  EXPECT_EQ(format_iso(kThu), "2026-11-26T03:52:18");
  EXPECT_EQ(format_iso(kEarlyNov), "2026-11-06T03:04:05");
  EXPECT_EQ(format_iso(946684800), "2000-01-01T00:00:00");
  EXPECT_EQ(format_iso(1), "1970-01-01T00:00:01");
}

TEST_F(LocalTime, IsoFollowsTimeZone) {
  use_tz("JST-9");
  EXPECT_EQ(format_iso(kThu), "2026-11-26T12:52:18");
  EXPECT_EQ(format_iso(kThuEvening), "2026-11-27T05:00:00");
  use_tz("EST5");
  EXPECT_EQ(format_iso(kThu), "2026-11-25T22:52:18");
}

TEST_F(LocalTime, IsoWithoutTimestamp) {
  EXPECT_EQ(format_iso(0), "Unknown");
  EXPECT_EQ(format_iso(0, "None"), "None");
  EXPECT_EQ(format_iso(0, ""), "");
  EXPECT_EQ(format_iso(kUnlimited), "Unknown");
  EXPECT_EQ(format_iso(kNoValue, "N/A"), "N/A");
}

TEST_F(LocalTime, Ctime) {
  use_tz("UTC0");
  EXPECT_EQ(format_ctime(kThu - 9), "Thu Nov 26 03:52:09 2026");
  EXPECT_EQ(format_ctime(kEarlyNov), "Fri Nov  6 03:04:05 2026");
  EXPECT_EQ(format_ctime(946684800), "Sat Jan  1 00:00:00 2000");
  use_tz("JST-9");
  EXPECT_EQ(format_ctime(kThuEvening), "Fri Nov 27 05:00:00 2026");
}

TEST_F(LocalTime, CtimeMatchesLibc) {
  use_tz("EST5EDT,M3.2.0,M11.1.0");
  for (Time t : {Time{1}, kThu, kEarlyNov, Time{1700000000}, Time{1720000000}}) {
    const std::time_t tt = t;
    char buf[32];
    std::string want = ctime_r(&tt, buf);
    want.pop_back();  // ctime's trailing newline
    EXPECT_EQ(format_ctime(t), want) << t;
  }
}

TEST(LongerLimit, UnlimitedIsLongestAndNoValueComparesWithNothing) {
  EXPECT_TRUE(longer_limit(61, 60));
  EXPECT_FALSE(longer_limit(60, 60));
  EXPECT_FALSE(longer_limit(59, 60));
  EXPECT_TRUE(longer_limit(kUnlimited, 60));
  EXPECT_FALSE(longer_limit(60, kUnlimited));
  EXPECT_FALSE(longer_limit(kUnlimited, kUnlimited));
  EXPECT_FALSE(longer_limit(kNoValue, 60));
  EXPECT_FALSE(longer_limit(60, kNoValue));
  EXPECT_FALSE(longer_limit(kUnlimited, kNoValue));
}

}  // namespace
}  // namespace sluice

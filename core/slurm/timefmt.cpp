#include "core/slurm/timefmt.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "core/util/text.hpp"

namespace sluice {
namespace {

template <typename... Args>
std::string printf_str(const char* fmt, Args... args) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), fmt, args...);
  return buf.data();
}

// Slurm's words for the negative markers of a duration.
const char* marker(Time secs) { return secs == kUnlimited ? "UNLIMITED" : secs == kNoValue ? "NOT_SET" : "INVALID"; }

// "D-HH:MM:SS" from one day; below, "HH:MM:SS" when `fixed` (scontrol), else "H:MM:SS" from one hour
// and "M:SS" below it (squeue, sinfo).
std::string clock_str(Time secs, bool fixed) {
  const long d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;
  if (d) return printf_str("%ld-%02ld:%02ld:%02ld", d, h, m, s);
  if (fixed) return printf_str("%02ld:%02ld:%02ld", h, m, s);
  if (h) return printf_str("%ld:%02ld:%02ld", h, m, s);
  return printf_str("%ld:%02ld", m, s);
}

std::tm local(Time t) {
  const std::time_t tt = t;
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}

}  // namespace

std::optional<Time> parse_time_limit(std::string_view s) {
  const std::string lower = to_lower(s);
  if (lower == "unlimited" || lower == "infinite" || lower == "-1") return kUnlimited;
  const std::size_t dash = s.find('-');
  const bool has_days = dash != std::string_view::npos;
  const std::vector<std::string> f = split(has_days ? s.substr(dash + 1) : s, ':', true);
  if (f.size() > 3) return std::nullopt;
  // Weights of the fields, most significant first: with days "H[:M[:S]]", else "M", "M:S", "H:M:S".
  static constexpr Time kHMS[] = {3600, 60, 1};
  static constexpr Time kMS[] = {60, 1};
  const Time* weight = has_days || f.size() == 3 ? kHMS : kMS;
  Time total = 0;
  const auto add = [&total](std::string_view field, Time w) {
    const auto n = parse_uint(field);
    Time part = 0;
    return n && *n <= INT64_MAX && !__builtin_mul_overflow(static_cast<Time>(*n), w, &part) &&
           !__builtin_add_overflow(total, part, &total);
  };
  if (has_days && !add(s.substr(0, dash), 86400)) return std::nullopt;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!add(f[i], weight[i])) return std::nullopt;
  }
  return total;
}

Time round_up_limit(Time secs, Time unit) {
  if (secs <= 0 || unit <= 1) return secs;  // kUnlimited and kNoValue are negative
  const Time whole = secs / unit;
  if (secs % unit == 0) return secs;
  Time up = 0;
  if (__builtin_mul_overflow(whole + 1, unit, &up)) return whole * unit;
  return up;
}

bool longer_limit(Time a, Time b) {
  if (a == kNoValue || b == kNoValue || b == kUnlimited) return false;
  return a == kUnlimited || a > b;
}

std::string format_time_limit(Time secs) { return secs < 0 ? marker(secs) : clock_str(secs, false); }

std::string format_elapsed(Time secs) { return secs < 0 ? "INVALID" : clock_str(secs, false); }

std::string format_hms(Time secs) { return secs < 0 ? marker(secs) : clock_str(secs, true); }

std::string format_iso(Time t, const char* none) {
  if (t <= 0) return none;  // 0 and the kUnlimited/kNoValue markers: no timestamp
  const std::tm tm = local(t);
  return printf_str("%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec);
}

std::string format_ctime(Time t) {
  // Fixed English names, as ctime(3) prints regardless of locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm tm = local(t);
  return printf_str("%s %s %2d %02d:%02d:%02d %d", kDays[tm.tm_wday], kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

}  // namespace sluice

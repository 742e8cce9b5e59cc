// Arithmetic on seconds that saturates instead of wrapping: time limits of up to about INT64_MAX
// seconds are accepted (Slurm's syntax allows huge day counts), and start + limit must not turn
// into a time in the past.
#pragma once
#include <limits>
#include <sluice/model.hpp>

namespace sluice {

// t + d (seconds), clamped to the range of Time.
inline Time add_seconds(Time t, Time d) {
  constexpr Time kMax = std::numeric_limits<Time>::max(), kMin = std::numeric_limits<Time>::min();
  if (d > 0 && t > kMax - d) return kMax;
  if (d < 0 && t < kMin - d) return kMin;
  return t + d;
}

}  // namespace sluice

#include "core/slurm/mem.hpp"

#include "core/util/text.hpp"

namespace sluice {

std::optional<std::uint64_t> parse_mem_mb(std::string_view s) {
  const std::size_t digits = std::min(s.find_first_not_of("0123456789"), s.size());
  const auto n = parse_uint(s.substr(0, digits));
  if (!n) return std::nullopt;
  std::string unit = to_lower(s.substr(digits));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  if (unit.empty() || unit == "m") return n;
  if (unit == "k") return *n / 1024 + (*n % 1024 != 0);  // rounded up, as Slurm does
  const std::uint64_t mult = unit == "g" ? 1024 : unit == "t" ? 1024 * 1024 : 0;
  std::uint64_t mb = 0;
  if (mult == 0 || __builtin_mul_overflow(*n, mult, &mb)) return std::nullopt;
  return mb;
}

std::string format_mem_mb(std::uint64_t mb) {
  if (mb != 0 && mb % (1024 * 1024) == 0) return std::to_string(mb / (1024 * 1024)) + "T";
  if (mb != 0 && mb % 1024 == 0) return std::to_string(mb / 1024) + "G";
  return std::to_string(mb) + "M";
}

}  // namespace sluice

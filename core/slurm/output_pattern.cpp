#include "core/slurm/output_pattern.hpp"

#include <algorithm>

#include "core/util/text.hpp"

namespace sluice {

std::string expand_output_pattern(std::string_view pattern, const PatternVars& v) {
  constexpr std::size_t kMaxWidth = 10;  // Slurm caps the zero-padding width
  const auto padded = [](std::uint64_t n, std::size_t width) {
    std::string s = std::to_string(n);
    return s.size() < width ? std::string(width - s.size(), '0') + s : s;
  };
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    const std::size_t spec = pattern.find_first_not_of("0123456789", i + 1);
    if (spec == std::string_view::npos) {  // a trailing "%" or "%5" stays as written
      out += pattern.substr(i);
      break;
    }
    const std::size_t width = std::min(parse_uint(pattern.substr(i + 1, spec - i - 1)).value_or(0), kMaxWidth);
    switch (pattern[spec]) {
      case '%': out += '%'; break;
      case 'j':
      case 'A': out += padded(v.job_id, width); break;
      case 'n':
      case 't': out += padded(0, width); break;
      case 'a': out += padded(4294967294U, width); break;
      case 'x': out += v.job_name; break;
      case 'u': out += v.user; break;
      case 'N': out += v.node; break;
      default: out += pattern.substr(i, spec - i + 1);  // unknown escape: left as written
    }
    i = spec;
  }
  if (out.starts_with('/') || v.workdir.empty()) return out;
  return v.workdir + (v.workdir.ends_with('/') ? "" : "/") + out;
}

}  // namespace sluice

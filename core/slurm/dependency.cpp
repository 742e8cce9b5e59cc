#include "core/slurm/dependency.hpp"

#include "core/util/text.hpp"

namespace sluice {

std::optional<std::vector<Dependency>> parse_dependency(std::string_view s) {
  std::vector<Dependency> out;
  for (const auto& part : split(s, s.find('?') != std::string::npos ? '?' : ',')) {
    auto fields = split(part, ':');
    if (fields.empty()) return std::nullopt;
    DependKind kind = DependKind::AfterAny;
    std::size_t first = 1;
    if (fields[0] == "afterok")
      kind = DependKind::AfterOk;
    else if (fields[0] == "afterany")
      kind = DependKind::AfterAny;
    else if (fields[0] == "afternotok")
      kind = DependKind::AfterNotOk;
    else if (fields[0] == "after")
      kind = DependKind::After;
    else
      first = 0;  // a bare job id means afterany
    if (first >= fields.size()) return std::nullopt;
    for (std::size_t i = first; i < fields.size(); ++i) {
      auto id = parse_uint(fields[i]);
      if (!id || *id == 0) return std::nullopt;
      out.push_back({kind, *id});
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace sluice

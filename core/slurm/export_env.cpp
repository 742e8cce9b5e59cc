#include "core/slurm/export_env.hpp"

#include <map>

#include "core/util/text.hpp"

namespace sluice {

namespace {

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

std::vector<std::string> export_environment(std::string_view spec, const std::vector<std::string>& caller) {
  const std::vector<std::string> parts = split(spec, ',');
  bool all = spec.empty();
  for (const auto& p : parts) all = all || p == "ALL";
  struct Slot {
    std::size_t index;  // in `out`
    bool callers;       // the value is the caller's: it stays
  };
  std::vector<std::string> out;
  std::map<std::string, Slot, std::less<>> slots;
  const auto put = [&](std::string_view name, const std::string& entry, bool callers) {
    auto it = slots.find(name);
    if (it == slots.end()) {
      slots.emplace(std::string(name), Slot{out.size(), callers});
      out.push_back(entry);
    } else if (!it->second.callers) {
      out[it->second.index] = entry;
      it->second.callers = callers;
    }
  };
  for (const auto& e : caller)
    if (e.find('=') != std::string::npos && (all || starts_with(e, "SLURM_"))) put(name_of(e), e, true);
  for (const auto& p : parts) {
    if (p == "ALL" || p == "NONE") continue;
    if (const std::size_t eq = p.find('='); eq != std::string::npos) {
      put(std::string_view(p).substr(0, eq), p, false);
      continue;
    }
    for (const auto& e : caller)
      if (e.size() > p.size() && e[p.size()] == '=' && starts_with(e, p)) {
        put(p, e, true);
        break;
      }
  }
  return out;
}

}  // namespace sluice

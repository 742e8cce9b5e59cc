#include "core/slurm/gpu_inventory.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/util/text.hpp"

namespace sluice {
namespace {

std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> out;
  std::istringstream in{std::string(name)};
  for (std::string w; in >> w;) out.push_back(to_lower(w));
  return out;
}

std::string up_to_dash(const std::string& w) { return w.substr(0, w.find('-')); }

// Type -> count, in first-seen order.
std::vector<std::pair<std::string, std::size_t>> counts(const std::vector<Gpu>& gpus) {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const Gpu& g : gpus) {
    auto it = std::ranges::find(out, g.type, &std::pair<std::string, std::size_t>::first);
    if (it == out.end())
      out.emplace_back(g.type, 1);
    else
      ++it->second;
  }
  return out;
}

}  // namespace

std::string gpu_type_of(std::string_view name, const std::map<std::string, std::string>& overrides) {
  if (auto it = overrides.find(std::string(name)); it != overrides.end()) return it->second;
  const std::string lower = to_lower(std::string(name));
  for (const auto& [k, v] : overrides)
    if (to_lower(k) == lower) return v;
  std::vector<std::string> words = words_of(name);
  std::erase_if(words,
                [](const std::string& w) { return w == "nvidia" || w == "tesla" || w == "quadro" || w == "geforce"; });
  if (words.empty() || up_to_dash(words[0]).empty()) return "gpu";
  const std::string first = up_to_dash(words[0]);
  if ((first == "rtx" || first == "gtx" || first == "titan") && words.size() > 1 && !up_to_dash(words[1]).empty())
    return first + "_" + up_to_dash(words[1]);
  return first;
}

std::string normalize_bus_id(std::string_view bus_id) {
  unsigned domain = 0, bus = 0, dev = 0, fn = 0;
  int used = 0;
  const std::string s(bus_id);
  if (s.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) return s;
  if (std::sscanf(s.c_str(), "%x:%x:%x.%x%n", &domain, &bus, &dev, &fn, &used) == 4 &&
      static_cast<std::size_t>(used) == s.size()) {
  } else if (domain = 0; std::sscanf(s.c_str(), "%x:%x.%x%n", &bus, &dev, &fn, &used) == 3 &&
                         static_cast<std::size_t>(used) == s.size()) {
  } else {
    return s;
  }
  char out[32];
  std::snprintf(out, sizeof out, "%08X:%02X:%02X.%X", domain, bus & 0xff, dev & 0xff, fn & 0xf);
  return out;
}

std::vector<Gpu> order_by_pci(std::vector<Gpu> gpus) {
  for (Gpu& g : gpus) g.pci_bus_id = normalize_bus_id(g.pci_bus_id);
  std::ranges::stable_sort(gpus, {}, &Gpu::pci_bus_id);
  for (std::size_t i = 0; i < gpus.size(); ++i) gpus[i].index = static_cast<std::uint32_t>(i);
  return gpus;
}

std::string gres_string(const std::vector<Gpu>& gpus) {
  if (gpus.empty()) return "gpu:0";
  std::string out;
  for (const auto& [type, n] : counts(gpus))
    out += (out.empty() ? "" : ",") + std::string("gpu:") + type + ":" + std::to_string(n);
  return out;
}

std::string inventory_mismatch(const std::vector<Gpu>& configured, const std::vector<Gpu>& found) {
  const std::size_t want = configured.size(), got = found.size();
  if (got < want)
    return "gres/gpu count reported lower than configured (" + std::to_string(got) + " < " + std::to_string(want) + ")";
  if (got > want)
    return "gres/gpu count reported higher than configured (" + std::to_string(got) + " > " + std::to_string(want) +
           ")";
  auto a = counts(configured), b = counts(found);
  std::ranges::sort(a);
  std::ranges::sort(b);
  if (a == b) return {};
  return "gres/gpu type mismatch: configured " + gres_string(configured) + ", found " + gres_string(found);
}

}  // namespace sluice

// GPU settings: the NVML keys of [agent] (which library, how often to sample, device names to GPU
// types) and the idle-GPU policy [gpu_idle]. See docs/gpu.md.
#include <string>

#include "core/config/sections.hpp"

namespace sluice::config_reader {
namespace {

// A GPU type as the request forms name it (--gres=gpu:TYPE:N): no spaces, ':' or ','.
bool valid_gpu_type(const std::string& t) {
  if (t.empty()) return false;
  for (char c : t)
    if (c == ':' || c == ',' || c == '=' || static_cast<unsigned char>(c) <= ' ') return false;
  return true;
}

}  // namespace

void read_agent_gpus(Section& s, AgentConfig& a) {
  if (const toml::node* n = s.read("nvml_library", a.nvml_library); n && a.nvml_library.empty())
    s.error(*n, "nvml_library", "must not be empty");
  s.read("gpu_sample_interval", a.gpu_sample_interval, 1);
  auto types = s.section("gpu_types");
  if (!types) return;
  for (const auto& [name, value] : types->table()) {
    const std::string key(name.str());
    std::string type;
    const toml::node* n = types->read(key, type);
    if (!n) continue;  // not a string: reported by read()
    if (!valid_gpu_type(type)) {
      types->error(*n, key, "invalid GPU type " + in_quotes(type) + " (empty, or has spaces, ':', ',' or '=')");
      continue;
    }
    a.gpu_types[key] = type;
  }
  types->finish();
}

void read_gpu_idle(Section s, GpuIdleConfig& g) {
  if (auto v = s.choice("action", {"off", "warn", "cancel"})) g.action = *v;
  if (const toml::node* n = s.read("threshold", g.threshold, 0); n && g.threshold > 100)
    s.error(*n, "threshold", "must be <= 100 (% utilisation)");
  s.read("after", g.after, 1);
  s.finish();
}

}  // namespace sluice::config_reader

#include "core/ctld/gpus.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "core/slurm/gpu_inventory.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice {

namespace {

constexpr const char* kIdleReason = "GpusIdle";

// Why `gpus` cannot replace node `name`'s inventory under its running jobs; empty when it can.
std::string held_conflict(const CtlState& s, const std::string& name, const std::vector<Gpu>& gpus) {
  for (const Job* j : s.jobs.holding()) {
    for (const NodeAlloc& a : j->alloc) {
      if (a.node != name) continue;
      for (std::uint32_t index : a.gpus) {
        auto g = std::ranges::find(gpus, index, &Gpu::index);
        if (g == gpus.end() || (!j->spec.gpu_type.empty() && g->type != j->spec.gpu_type))
          return "gres/gpu inventory changed under job " + std::to_string(j->id) + " (it holds GPU " +
                 std::to_string(index) + ", found " + gres_string(gpus) + ")";
      }
    }
  }
  return {};
}

// What node `name` should have, given the config and what its agent found; `why` is set when
// the configured inventory stands against a mismatch.
std::vector<Gpu> chosen(const Config& cfg, const std::string& name, const std::vector<Gpu>& found, std::string& why) {
  const Node* conf = cfg.node(name);
  why = conf->gpus.empty() ? "" : inventory_mismatch(conf->gpus, found);
  return why.empty() ? found : conf->gpus;
}

}  // namespace

void drain_node(CtlState& s, Node& n, const std::string& reason) {
  if (n.drain && n.reason == reason) return;
  n.drain = true;
  n.reason = reason;
  n.reason_user = user_label(static_cast<std::uint32_t>(::geteuid()), kNss);
  n.reason_time = s.now();
  s.store.put_node_admin(n.name, {n.drain, n.down_admin, n.reason, n.reason_user, n.reason_time});
  s.nodes.changed();
  spdlog::warn("node={} drained: {}", n.name, reason);
}

void adopt_gpus(CtlState& s, Node& n, const Register& reg) {
  if (!s.cfg->detects_gpus(n.name)) return;
  if (!reg.gpus_detected) {
    s.discovered.erase(n.name);
    spdlog::warn("node={} gpu_detect=nvml: agent could not use NVML ({}); configured inventory stands ({})", n.name,
                 reg.gpu_detect_error.empty() ? "no reason given" : reg.gpu_detect_error, gres_string(n.gpus));
    return;
  }
  std::string mismatch;
  std::vector<Gpu> next = chosen(*s.cfg, n.name, reg.gpus, mismatch);
  if (std::string conflict = held_conflict(s, n.name, next); !conflict.empty()) return drain_node(s, n, conflict);
  if (mismatch.empty())
    s.discovered[n.name] = reg.gpus;
  else
    s.discovered.erase(n.name);
  n.gpus = std::move(next);
  for (const auto& e : s.nodes.rebuild_usage(s.jobs.holding())) spdlog::error("node={} gpus: {}", n.name, e);
  if (!mismatch.empty()) return drain_node(s, n, mismatch);
  spdlog::info("node={} gpus from NVML: {}", n.name, gres_string(n.gpus));
}

std::vector<Node> nodes_with_discovered(const CtlState& s, const Config& cfg,
                                        std::vector<std::pair<std::string, std::string>>& drains) {
  std::vector<Node> nodes = cfg.nodes;
  for (Node& n : nodes) {
    auto it = s.discovered.find(n.name);
    if (!cfg.detects_gpus(n.name) || it == s.discovered.end()) continue;
    std::string mismatch;
    n.gpus = chosen(cfg, n.name, it->second, mismatch);
    if (!mismatch.empty()) drains.emplace_back(n.name, mismatch);
  }
  return nodes;
}

void on_gpu_usage(CtlState& s, const Request& r, const Json& b) {
  GpuUsageReport rep = parse_body<GpuUsageReport>(b);
  if (!s.nodes.heartbeat_known(r.node, rep.instance)) return;
  Job* j = s.jobs.find(rep.id);
  if (!j || std::ranges::none_of(j->alloc, [&](const NodeAlloc& a) { return a.node == r.node; })) return;
  std::erase_if(rep.gpus, [&](const GpuUsage& u) {
    return u.node != r.node;  // an agent speaks for its own node only
  });
  std::erase_if(j->gpu_usage, [&](const GpuUsage& u) { return u.node == r.node; });
  j->gpu_usage.insert(j->gpu_usage.end(), rep.gpus.begin(), rep.gpus.end());
  const bool idle = !j->gpu_usage.empty() && std::ranges::all_of(j->gpu_usage, [&](const GpuUsage& u) {
    return u.util_last < s.cfg->gpu_idle.threshold;
  });
  if (idle && !j->gpu_idle_since) j->gpu_idle_since = s.now();
  if (!idle) {
    j->gpu_idle_since = 0;
    if (j->gpu_idle_flagged && j->reason == kIdleReason) j->reason = "None";
    j->gpu_idle_flagged = false;
  }
  s.store.put(*j);
}

void check_idle_gpus(CtlState& s) {
  const GpuIdleConfig& p = s.cfg->gpu_idle;
  if (p.action == "off") return;
  const Time now = s.now();
  for (auto& [id, j] : s.jobs.all()) {
    if (j.state != JobState::Running || !j.gpu_idle_since || j.gpu_idle_flagged || now - j.gpu_idle_since < p.after)
      continue;
    j.gpu_idle_flagged = true;
    j.reason = kIdleReason;
    std::vector<std::string> gpus;
    for (const GpuUsage& u : j.gpu_usage) gpus.push_back(u.node + ":" + std::to_string(u.index));
    const std::string what = "GPUs " + join(gpus, ",") + " idle (below " + std::to_string(p.threshold) +
                             "% utilisation) for " + format_hms(now - j.gpu_idle_since);
    const bool cancel = p.action == "cancel";
    const std::string text = "sluice: " + std::string(cancel ? "error" : "warning") + ": job " + std::to_string(id) +
                             ": " + what + (cancel ? "; cancelling it" : "; release GPUs you do not use") + "\n";
    if (!j.alloc.empty()) s.out.to_node(j.alloc.front().node, std::string(Notice::kType), to_body(Notice{id, text}));
    spdlog::warn("job={} user={} {}: {}", id, j.user, what, cancel ? "cancelled" : "warned");
    s.store.put(j);
    if (cancel) s.handle(j, JobEvent(JobEventKind::Cancelled));
  }
}

}  // namespace sluice

// Reconfiguration (scontrol reconfigure, SIGHUP) and what-if runs of a candidate config.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <sluice/ledger.hpp>

#include "core/ctld/gpus.hpp"
#include "core/ctld/handlers.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice {

void reconfigure(CtlState& s, std::vector<std::string>& errors) {
  auto cfg = load_config(s.cfg->file, errors);
  std::unique_ptr<PluginSet> plugins;
  if (cfg) plugins = PluginSet::load(*cfg, errors);
  // The new nodes must still hold what running jobs hold (checked on a copy; nothing changes yet).
  Nodes next = s.nodes;
  std::vector<std::pair<std::string, std::string>> drains;  // gpu_detect nodes that no longer match
  if (cfg && errors.empty())
    next.reconfigure(nodes_with_discovered(s, *cfg, drains), s.jobs.holding(), cfg->file, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) spdlog::error("reconfigure refused: {}", e);
    return;
  }
  s.nodes = std::move(next);
  s.partitions = cfg->partitions;
  s.plugins = std::move(plugins);
  s.cfg = std::move(cfg);
  s.jobs.set_kill_wait(s.cfg->controller.kill_wait);
  s.sched_needed = true;
  for (const auto& [name, why] : drains) drain_node(s, *s.nodes.find(name), why);
  for (const auto& n : s.nodes.all())
    if (n.responding) s.out.to_node(n.name, "reconfigure", Json::object());
  spdlog::info("reconfigured from {} ({})", s.cfg->file, s.plugins->describe());
}

void on_reconfigure(CtlState& s, const Request& r, const Json&) {
  std::vector<std::string> errors;
  reconfigure(s, errors);
  if (!errors.empty()) return s.out.error(r.peer, join(errors, "\n"));
  s.out.reply(r.peer, {{"config", s.cfg->file}, {"plugins", loaded_plugins(s)}});
}

namespace {

// "R a1(t4:0,1) c1": the nodes of a placement with the type and indices of their GPUs.
std::string placement_text(const std::vector<Node>& nodes, const std::vector<NodeAlloc>& alloc) {
  std::string out = "R";
  for (const NodeAlloc& a : alloc) {
    out += " " + a.node;
    const auto n = std::ranges::find(nodes, a.node, &Node::name);
    std::string last_type;
    for (std::size_t i = 0; i < a.gpus.size(); ++i) {
      const std::size_t slot = n == nodes.end() ? 0 : gpu_slot(*n, a.gpus[i]);
      const std::string type = n != nodes.end() && slot < n->gpus.size() ? n->gpus[slot].type : "gpu";
      out += i == 0 ? "(" : ",";
      if (type != last_type) out += type + ":";
      out += std::to_string(a.gpus[i]);
      last_type = type;
    }
    if (!a.gpus.empty()) out += ")";
  }
  return out;
}

// What one policy does: each pending job's fate ("R <nodes>", "PD (<reason>)" or "rejected:
// <why>") and each hypothetical job's ("R <nodes with GPUs>", ...), in order.
struct Plan {
  std::map<std::uint64_t, std::string> pending;
  std::vector<std::string> extra;
};

// The fates under `plugins` and `partitions`, on a copy of the live nodes. `cfg` (the candidate's
// config, else null) lends its nodes' partitions, weight and features to the copy; the live load
// is kept.
// Hypothetical jobs are admitted and judged feasible as at submission, then placed in the same
// pass as the pending jobs, after them.
Plan fates(CtlState& s, PluginSet& plugins, const std::vector<Partition>& partitions, const Config* cfg,
           const std::vector<Job>& extra) {
  std::vector<Node> nodes = s.nodes.all();
  if (cfg)  // the candidate decides which partitions hold a node (a node it lacks is in none)
    for (Node& n : nodes) {
      const Node* c = cfg->node(n.name);
      n.partitions = c ? c->partitions : std::vector<std::string>{};
      if (c) n.weight = c->weight, n.features = c->features;
    }
  const ClusterView cv{nodes, partitions};
  Plan out;
  out.extra.resize(extra.size());
  std::vector<Job> admitted;
  admitted.reserve(extra.size());
  std::map<std::uint64_t, std::size_t> slot;  // hypothetical id -> index in `extra`
  for (std::size_t i = 0; i < extra.size(); ++i) {
    Job copy = extra[i];
    Status st = plugins.admit(copy, cv);
    if (st.code != Code::Reject && st.code != Code::Error) st = plugins.feasible(copy, cv);
    if (st.code == Code::Reject || st.code == Code::Error) {
      out.extra[i] = "rejected: " + st.message;
      continue;
    }
    slot[copy.id] = i;
    admitted.push_back(std::move(copy));
  }
  std::vector<const Job*> pending;
  for (const auto& [id, j] : s.jobs.all())
    if (j.state == JobState::Pending) pending.push_back(&j);
  for (const Job& j : admitted) pending.push_back(&j);
  std::vector<Node> pass_nodes = nodes;
  const PreemptionFacts preemption = s.preemption_facts();
  const BackfillFacts backfill{s.jobs.holding()};
  for (const auto& d : schedule_pass(pending, pass_nodes, partitions, plugins, s.dependency_facts(), 0, s.now(),
                                     &preemption, &backfill)) {
    std::vector<std::string> names;
    for (const auto& a : d.alloc) names.push_back(a.node);
    std::string waits = "PD (" + d.reason + ")";
    if (!d.preempt.empty()) {  // "PD (Preempting 12,13)": the jobs this policy would stop for it
      std::string ids;
      for (const auto& v : d.preempt) ids += (ids.empty() ? "" : ",") + std::to_string(v.job);
      waits = "PD (" + d.reason + " " + ids + ")";
    }
    if (auto it = slot.find(d.job); it != slot.end())
      out.extra[it->second] = d.start ? placement_text(nodes, d.alloc) : waits;
    else
      out.pending[d.job] = d.start ? "R " + compress_hostlist(names) : waits;
  }
  // Admission under this policy: a pending job it would refuse today.
  for (const Job* j : pending) {
    if (slot.contains(j->id)) continue;
    Job copy = *j;
    if (Status st = plugins.admit(copy, cv); st.code == Code::Reject) out.pending[j->id] = "rejected: " + st.message;
  }
  return out;
}

}  // namespace

// What a candidate config would do to the pending queue and to hypothetical jobs (--job),
// computed on copies: nothing changes.
void on_whatif(CtlState& s, const Request& r, const Json& b) {
  const Whatif w = parse_body<Whatif>(b);
  if (w.jobs.size() > 1000) return s.out.error(r.peer, "whatif: at most 1000 --job");
  std::vector<std::string> errors;
  auto cfg = load_config(w.config, errors);
  std::unique_ptr<PluginSet> candidate;
  if (cfg) candidate = PluginSet::load(*cfg, errors);
  if (!candidate) return s.out.error(r.peer, join(errors, "\n"));
  std::uint64_t next = 1;
  for (const auto& [id, j] : s.jobs.all()) next = std::max(next, id + 1);
  std::vector<Job> extra;
  for (const JobSpec& spec : w.jobs) {  // after every pending job of its partition tier (priority 0)
    extra.push_back(job_from_request(s, r, spec));
    extra.back().id = next++;
    extra.back().priority = 0;
  }
  const Plan now_plan = fates(s, *s.plugins, s.partitions, nullptr, extra);
  const Plan new_plan = fates(s, *candidate, cfg->partitions, cfg.get(), extra);
  Json changes = Json::array();
  for (const auto& [id, was] : now_plan.pending) {
    auto it = new_plan.pending.find(id);
    const std::string then = it == new_plan.pending.end() ? "?" : it->second;
    if (then == was) continue;
    const Job& j = *s.jobs.find(id);
    changes.push_back({{"id", id}, {"user", j.user}, {"name", j.spec.name}, {"now", was}, {"then", then}});
  }
  Json jobs = Json::array();
  for (std::size_t i = 0; i < extra.size(); ++i)
    jobs.push_back({{"now", now_plan.extra[i]}, {"then", new_plan.extra[i]}});
  s.out.reply(r.peer, {{"changes", changes},
                       {"pending", now_plan.pending.size()},
                       {"jobs", jobs},
                       {"config", cfg->file},
                       {"plugins", candidate->describe()}});
}

}  // namespace sluice

// Reconfiguration (scontrol reconfigure, SIGHUP) and what-if runs of a candidate config.
#include <spdlog/spdlog.h>

#include <map>
#include <sluice/ledger.hpp>

#include "core/ctld/handlers.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/util/text.hpp"

namespace sluice {

void reconfigure(CtlState& s, std::vector<std::string>& errors) {
  auto cfg = load_config(s.cfg->file, errors);
  std::unique_ptr<PluginSet> plugins;
  if (cfg) plugins = PluginSet::load(*cfg, errors);
  if (cfg && plugins) {
    // The node-side launch plugin is validated here too, so that errors reach the admin.
    if (auto it = cfg->plugins.find("launch"); it != cfg->plugins.end()) {
      load_plugin(*cfg, it->second, errors);  // checks the interface, then the options
    }
  }
  // The new nodes must still hold what running jobs hold (checked on a copy; nothing changes yet).
  Nodes next = s.nodes;
  if (cfg && errors.empty()) next.reconfigure(cfg->nodes, s.jobs.holding(), cfg->file, errors);
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

// Each pending job's fate under `plugins` and `partitions`, on a copy of the live nodes:
// "R <nodes>", "PD (<reason>)" or "rejected: <why>".
std::map<std::uint64_t, std::string> fates(CtlState& s, PluginSet& plugins, const std::vector<Partition>& partitions) {
  std::vector<const Job*> pending;
  for (const auto& [id, j] : s.jobs.all())
    if (j.state == JobState::Pending) pending.push_back(&j);
  std::vector<Node> nodes = s.nodes.all();
  std::map<std::uint64_t, std::string> out;
  for (const auto& d : schedule_pass(pending, nodes, partitions, plugins, s.dependency_facts(), 0)) {
    std::vector<std::string> names;
    for (const auto& a : d.alloc) names.push_back(a.node);
    out[d.job] = d.start ? "R " + compress_hostlist(names) : "PD (" + d.reason + ")";
  }
  // Admission under this policy: a job it would refuse today.
  const ClusterView cv{s.nodes.all(), partitions};
  for (const Job* j : pending) {
    Job copy = *j;
    if (Status st = plugins.admit(copy, cv); st.code == Code::Reject) out[j->id] = "rejected: " + st.message;
  }
  return out;
}

}  // namespace

// What a candidate config would do to the pending queue, computed on copies: nothing changes.
void on_whatif(CtlState& s, const Request& r, const Json& b) {
  std::vector<std::string> errors;
  auto cfg = load_config(parse_body<Whatif>(b).config, errors);
  std::unique_ptr<PluginSet> candidate;
  if (cfg) candidate = PluginSet::load(*cfg, errors);
  if (!candidate) return s.out.error(r.peer, join(errors, "\n"));
  const auto now_plan = fates(s, *s.plugins, s.partitions);
  const auto new_plan = fates(s, *candidate, cfg->partitions);
  Json changes = Json::array();
  for (const auto& [id, was] : now_plan) {
    auto it = new_plan.find(id);
    const std::string then = it == new_plan.end() ? "?" : it->second;
    if (then == was) continue;
    const Job& j = *s.jobs.find(id);
    changes.push_back({{"id", id}, {"user", j.user}, {"name", j.spec.name}, {"now", was}, {"then", then}});
  }
  s.out.reply(
      r.peer,
      {{"changes", changes}, {"pending", now_plan.size()}, {"config", cfg->file}, {"plugins", candidate->describe()}});
}

}  // namespace sluice

// select/select_gpu: places a job on nodes of its partition: CPUs, memory and exact GPU indices
// (optionally of one type).
//
// Options ([plugins.select.options]):
//   strategy = "pack"    "pack": fill the busiest node that fits first (keeps whole nodes free
//                        for big jobs); "spread": the least busy node first.
#include <sluice/export.hpp>
#include <sluice/options.hpp>
#include <sluice/select.hpp>

#include <algorithm>

namespace sluice {
namespace {

constexpr const char* kName = "select/select_gpu";

struct Need {
  std::uint32_t cpus = 1;
  std::uint64_t mem_mb = 0;
  std::uint32_t gpus = 0;
};

Need per_node(const Job& j) {
  const std::uint32_t n = std::max<std::uint32_t>(1, j.spec.nodes);
  Need need;
  need.cpus = (j.spec.ntasks * j.spec.cpus_per_task + n - 1) / n;
  need.mem_mb = j.spec.mem_mb;
  need.gpus = j.spec.gpus_per_node ? j.spec.gpus_per_node : (j.spec.gpus + n - 1) / n;
  return need;
}

bool in_list(const std::string& csv_names, const std::string& name) {
  // Names arrive expanded and comma separated (the CLI expands hostlists).
  std::size_t pos = 0;
  while (pos <= csv_names.size()) {
    std::size_t end = csv_names.find(',', pos);
    if (end == std::string::npos) end = csv_names.size();
    if (csv_names.compare(pos, end - pos, name) == 0) return true;
    pos = end + 1;
  }
  return false;
}

std::uint32_t gpus_of_type(const Node& n, const std::string& type, bool free_only) {
  std::uint32_t c = 0;
  for (const auto& g : n.gpus)
    if ((type.empty() || g.type == type) && (!free_only || g.index >= n.gpu_used.size() || !n.gpu_used[g.index])) ++c;
  return c;
}

class SelectGpu final : public SelectPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    OptionReader r(options, prefix, errors);
    r.only({"strategy"});
    std::string s = "pack";
    if (r.get("strategy", s) && s != "pack" && s != "spread")
      r.error(options.get("strategy"), "strategy", "must be \"pack\" or \"spread\" (got \"" + s + "\")");
    spread_ = s == "spread";
    return errors.empty();
  }

  Status feasible(const Job& job, const ClusterView& cluster) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p) return Status::reject("Invalid partition name specified");
    const Need need = per_node(job);
    std::uint32_t fits = 0;
    for (const auto& n : cluster.nodes) {
      if (!eligible(job, *p, n)) continue;
      if (n.cpus >= need.cpus && n.mem_mb >= need.mem_mb && gpus_of_type(n, job.spec.gpu_type, false) >= need.gpus)
        ++fits;
    }
    if (!job.spec.nodelist.empty())
      for (const auto& req : split_names(job.spec.nodelist))
        if (std::find(p->nodes.begin(), p->nodes.end(), req) == p->nodes.end())
          return Status::reject("Requested node configuration is not available");
    if (fits < job.spec.nodes) return Status::reject("Requested node configuration is not available");
    return Status::ok();
  }

  Status select(const Job& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p) return Status::unschedulable("PartitionDown");
    const Need need = per_node(job);
    std::vector<const Node*> cand;
    bool required_unavailable = false;
    for (const auto& n : cluster.nodes) {
      if (!eligible(job, *p, n)) continue;
      const bool usable = n.responding && !n.drain && !n.down_admin;
      if (!usable) {
        if (!job.spec.nodelist.empty()) required_unavailable = true;
        continue;
      }
      if (n.cpus - std::min(n.cpus, n.alloc_cpus) < need.cpus) continue;
      if (need.mem_mb && n.mem_mb - std::min(n.mem_mb, n.alloc_mem_mb) < need.mem_mb) continue;
      if (gpus_of_type(n, job.spec.gpu_type, true) < need.gpus) continue;
      cand.push_back(&n);
    }
    if (required_unavailable) return Status::unschedulable("ReqNodeNotAvail");
    std::stable_sort(cand.begin(), cand.end(), [&](const Node* a, const Node* b) {
      const auto fa = a->cpus - a->alloc_cpus, fb = b->cpus - b->alloc_cpus;
      return spread_ ? fa > fb : fa < fb;
    });
    std::vector<std::string> required = split_names(job.spec.nodelist);
    const std::size_t want = std::max<std::size_t>(job.spec.nodes, required.size());
    std::vector<const Node*> chosen;
    for (const auto& r : required) {
      auto it = std::find_if(cand.begin(), cand.end(), [&](const Node* n) { return n->name == r; });
      if (it == cand.end()) return Status::unschedulable("Resources");
      chosen.push_back(*it);
    }
    for (const Node* n : cand) {
      if (chosen.size() >= want) break;
      if (std::find(chosen.begin(), chosen.end(), n) == chosen.end()) chosen.push_back(n);
    }
    if (chosen.size() < want) return Status::unschedulable("Resources");
    out.clear();
    for (const Node* n : chosen) {
      NodeAlloc a{n->name, need.cpus, need.mem_mb, {}};
      for (const auto& g : n->gpus) {
        if (a.gpus.size() >= need.gpus) break;
        if ((job.spec.gpu_type.empty() || g.type == job.spec.gpu_type) &&
            (g.index >= n->gpu_used.size() || !n->gpu_used[g.index]))
          a.gpus.push_back(g.index);
      }
      out.push_back(std::move(a));
    }
    return Status::ok();
  }

 private:
  static std::vector<std::string> split_names(const std::string& csv) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < csv.size()) {
      std::size_t end = csv.find(',', pos);
      if (end == std::string::npos) end = csv.size();
      if (end > pos) out.push_back(csv.substr(pos, end - pos));
      pos = end + 1;
    }
    return out;
  }
  static bool eligible(const Job& job, const Partition& p, const Node& n) {
    if (std::find(p.nodes.begin(), p.nodes.end(), n.name) == p.nodes.end()) return false;
    if (!job.spec.nodelist.empty() && job.spec.nodes <= 1 && !in_list(job.spec.nodelist, n.name)) return false;
    if (!job.spec.exclude.empty() && in_list(job.spec.exclude, n.name)) return false;
    return true;
  }
  bool spread_ = false;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::SelectGpu)

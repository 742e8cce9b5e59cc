// select/select_gpu: places a job on nodes of its partition: CPUs, memory and exact GPU indices
// (optionally of one type).
//
// A job gets max(-N, number of -w nodes) nodes, at least one, every -w node among them. Its
// tasks (times -c) and its -G GPUs are split over those nodes, the remainder going to the first
// ones (-N2 -n3: 2+1 tasks); --mem and --gres GPUs are per node. A node with no task gets one CPU.
//
// Options ([plugins.select.options]):
//   strategy = "pack"    "pack": fill the busiest node that fits first (keeps whole nodes free
//                        for big jobs); "spread": the least busy node first.
#include <algorithm>
#include <cstdint>
#include <sluice/export.hpp>
#include <sluice/ledger.hpp>
#include <sluice/options.hpp>
#include <sluice/select.hpp>
#include <string>
#include <utility>
#include <vector>

namespace sluice {
namespace {

constexpr const char* kName = "select/select_gpu";

// Nodes not chosen yet, in order of preference. take() searches from `next` on, past nodes that
// were taken or did not fit the same share; reset `next` when the share changes.
struct Pool {
  std::vector<const Node*> nodes;
  std::size_t next = 0;
  const Node* take(const Share& s, const std::string& gpu_type, bool now) {
    for (; next < nodes.size(); ++next)
      if (const Node*& n = nodes[next]; n && fits(*n, s, gpu_type, now)) return std::exchange(n, nullptr);
    return nullptr;
  }
};

struct Placed {
  const Node* node;
  Share share;
};

// Places the job on max(-N, listed nodes, 1) nodes, now (on what is free) or ever. Each share, in
// order, takes the first listed node that fits it, else (while more shares than listed nodes
// remain) the first other node that fits. As each share demands at least what the next does,
// first fit never loses a placement. Empty when the job does not fit; else every listed node is in.
std::vector<Placed> assign(const JobSpec& spec, std::vector<const Node*> listed, std::vector<const Node*> others,
                           bool now) {
  const std::size_t count = std::max<std::size_t>({1, spec.nodes, listed.size()});
  if (count > listed.size() + others.size()) return {};
  std::size_t listed_left = listed.size();
  Pool listed_pool{std::move(listed)}, other_pool{std::move(others)};
  std::vector<Placed> chosen;
  for (const Share& s : shares(spec, count)) {
    if (!chosen.empty() && !(s == chosen.back().share)) listed_pool.next = other_pool.next = 0;
    const Node* n = listed_pool.take(s, spec.gpu_type, now);
    if (n)
      --listed_left;
    else if (count - chosen.size() > listed_left)
      n = other_pool.take(s, spec.gpu_type, now);
    if (!n) return {};
    chosen.push_back({n, s});
  }
  return chosen;
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

  Status feasible(const JobView& job, const ClusterView& cluster) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p) return Status::reject("Invalid partition name specified");
    std::vector<const Node*> listed, others;
    if (!candidate_nodes(job, *p, cluster, listed, others) || assign(job.spec, listed, others, false).empty())
      return Status::reject("Requested node configuration is not available");
    return Status::ok();
  }

  Status select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p) return Status::unschedulable("PartitionDown");
    std::vector<const Node*> listed, others;
    if (!candidate_nodes(job, *p, cluster, listed, others) ||
        !std::ranges::all_of(listed, [](const Node* n) { return node_usable(*n); }))
      return Status::unschedulable("ReqNodeNotAvail");
    std::erase_if(others, [](const Node* n) { return !node_usable(*n); });
    std::ranges::stable_sort(others, [&](const Node* a, const Node* b) {
      return spread_ ? free_cpus(*a) > free_cpus(*b) : free_cpus(*a) < free_cpus(*b);
    });
    const std::vector<Placed> chosen = assign(job.spec, listed, others, true);
    if (chosen.empty()) return Status::unschedulable("Resources");
    out.clear();
    for (const auto& [n, share] : chosen) {
      NodeAlloc a{n->name, static_cast<std::uint32_t>(share.cpus), share.mem_mb, {}};
      const std::vector<std::uint32_t> free = free_gpus(*n, job.spec.gpu_type);
      a.gpus.assign(free.begin(), free.begin() + share.gpus);
      out.push_back(std::move(a));
    }
    return Status::ok();
  }

 private:
  bool spread_ = false;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::SelectGpu)

// select/select_gpu: places a job on nodes of its partition: CPUs, memory and exact GPU indices
// (optionally of one type), on nodes that satisfy its -C/--constraint.
//
// A job gets max(-N, number of -w nodes) nodes, at least one, every -w node among them. Its
// request is split over those nodes by shares() (sluice/ledger.hpp). On each node its GPUs are of
// one type.
//
// Options ([plugins.select.options]); README.md has the full table:
//   strategy = "pack"                  "pack": the busiest node that fits first; "spread": the idlest
//   gpu_type_order = ["t4", "a40"]     untyped GPU requests try these types in this order
//   topology = true                    a multi-GPU share takes GPUs of one link group when it can
//   cpu_jobs_avoid_gpu_nodes = true    jobs without GPUs try nodes without GPUs first
// Nodes are always ordered by Slurm's node weight first (lower first).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <sluice/export.hpp>
#include <sluice/features.hpp>
#include <sluice/ledger.hpp>
#include <sluice/options.hpp>
#include <sluice/select.hpp>
#include <string>
#include <utility>
#include <vector>

namespace sluice {
namespace {

constexpr const char* kName = "select/select_gpu";

struct Options {
  bool spread = false;
  std::vector<std::string> type_order;  // untyped GPU requests: these types first, in this order
  bool topology = true;
  bool cpu_jobs_avoid_gpu_nodes = true;

  // Position of `type` in type_order; types not listed come after all listed ones.
  std::size_t rank(std::string_view type) const {
    return static_cast<std::size_t>(std::find(type_order.begin(), type_order.end(), type) - type_order.begin());
  }
};

// What one placement attempt may use. `rank`: for untyped requests, only GPU types of this rank
// (Options::rank); nullopt: any type (each node still gives one type).
struct Want {
  const JobSpec& spec;
  const Options& options;
  bool now;
  std::optional<std::size_t> rank;
};

// The GPU type a node gives `s` under `w`: the job's type when it names one and it fits; else the
// type of the lowest rank (then lowest index) of which the node has s.gpus GPUs (free, when
// w.now). "" when the share has no GPUs; nullopt when the node cannot hold the share.
std::optional<std::string> type_for(const Node& n, const Share& s, const Want& w) {
  if (s.gpus == 0 || !w.spec.gpu_type.empty()) {
    if (!fits(n, s, w.spec.gpu_type, w.now)) return std::nullopt;
    return s.gpus == 0 ? std::string() : w.spec.gpu_type;
  }
  std::optional<std::string> best;
  std::size_t best_rank = 0;
  for (std::size_t i = 0; i < n.gpus.size(); ++i) {
    const Gpu& g = n.gpus[i];
    if (i && n.gpus[i - 1].type == g.type) continue;  // this type was judged just before
    const std::size_t r = w.options.rank(g.type);
    if ((w.rank && r != *w.rank) || (best && r >= best_rank) || !fits(n, s, g.type, w.now)) continue;
    best = g.type;
    best_rank = r;
  }
  return best;
}

// candidate_nodes (sluice/ledger.hpp) without its search of p.nodes for every node, which costs
// O(nodes x partition size): partition members are found in one walk when p.nodes lists them in
// the cluster's order (as the config does), else the SDK's function answers.
bool candidates(const JobView& job, const Partition& p, const ClusterView& cluster, std::vector<const Node*>& listed,
                std::vector<const Node*>& others) {
  std::vector<const Node*> members;
  for (std::size_t i = 0, k = 0; i < cluster.nodes.size() && k < p.nodes.size(); ++i)
    if (cluster.nodes[i].name == p.nodes[k]) members.push_back(&cluster.nodes[i]), ++k;
  if (members.size() != p.nodes.size()) return candidate_nodes(job, p, cluster, listed, others);
  const std::vector<std::string> names = split_node_names(job.spec.nodelist),
                                 excluded = split_node_names(job.spec.exclude);
  for (const Node* n : members) {
    if (std::ranges::find(excluded, n->name) != excluded.end()) continue;
    (std::ranges::find(names, n->name) != names.end() ? listed : others).push_back(n);
  }
  return listed.size() == names.size();
}

// Nodes not chosen yet, in order of preference. take() searches from `next` on, past nodes that
// were taken or did not fit the same share; reset `next` when the share changes.
struct Pool {
  std::vector<const Node*> nodes;
  std::size_t next = 0;
  const Node* take(const Share& s, const Want& w, std::string& type) {
    for (; next < nodes.size(); ++next) {
      const Node*& n = nodes[next];
      if (!n) continue;
      if (auto t = type_for(*n, s, w)) {
        type = std::move(*t);
        return std::exchange(n, nullptr);
      }
    }
    return nullptr;
  }
};

struct Placed {
  const Node* node;
  Share share;
  std::string gpu_type;  // of its GPUs; "" when it has none
};

// Places the job on max(-N, listed nodes, 1) nodes under `w`. Each share, in order, takes the
// first listed node that fits it, else (while more shares than listed nodes remain) the first
// other node that fits. As each share demands at least what the next does, first fit never loses
// a placement. Empty when the job does not fit; else every listed node is in.
std::vector<Placed> assign(const Want& w, std::vector<const Node*> listed, std::vector<const Node*> others) {
  const std::size_t count = std::max<std::size_t>({1, w.spec.nodes, listed.size()});
  if (count > listed.size() + others.size()) return {};
  std::size_t listed_left = listed.size();
  Pool listed_pool{std::move(listed)}, other_pool{std::move(others)};
  std::vector<Placed> chosen;
  for (const Share& s : shares(w.spec, count)) {
    if (!chosen.empty() && !(s == chosen.back().share)) listed_pool.next = other_pool.next = 0;
    std::string type;
    const Node* n = listed_pool.take(s, w, type);
    if (n)
      --listed_left;
    else if (count - chosen.size() > listed_left)
      n = other_pool.take(s, w, type);
    if (!n) return {};
    chosen.push_back({n, s, std::move(type)});
  }
  return chosen;
}

// Whether any share of the job asks for GPUs.
bool wants_gpus(const JobSpec& s) { return s.gpus || s.gpus_per_node || s.gpus_per_task; }

// Untyped GPU requests with a type order: each rank alone (the whole job on the least valuable
// type that serves it), then, for multi-node jobs, any type per node. Otherwise one attempt.
// A one-node job takes the same node in a single walk.
std::vector<Placed> assign_by_type(const JobSpec& spec, const Options& o, const std::vector<const Node*>& listed,
                                   const std::vector<const Node*>& others) {
  if (!spec.gpu_type.empty() || !wants_gpus(spec) || o.type_order.empty())
    return assign({spec, o, true, std::nullopt}, listed, others);
  const std::size_t count = std::max<std::size_t>({1, spec.nodes, listed.size()});
  if (count == 1) {  // in one walk: the first node whose best fitting type has the lowest rank
    const Want any{spec, o, true, std::nullopt};
    const Share share = shares(spec, 1)[0];
    std::vector<Placed> best;
    std::size_t best_rank = 0;
    for (const Node* n : listed.empty() ? others : listed) {
      std::optional<std::string> type = type_for(*n, share, any);
      if (!type || (!best.empty() && o.rank(*type) >= best_rank)) continue;
      best_rank = o.rank(*type);
      best = {{n, share, std::move(*type)}};
      if (best_rank == 0) break;
    }
    return best;
  }
  for (std::size_t rank = 0; rank <= o.type_order.size(); ++rank)
    if (auto chosen = assign({spec, o, true, rank}, listed, others); !chosen.empty()) return chosen;
  return assign({spec, o, true, std::nullopt}, listed, others);
}

// `count` free GPU indices of `type` on `n`. With `topology`, from one link group when one has
// enough (the group with the fewest free that do, keeping larger groups whole), else from the
// groups with the most free first; GPUs of unknown group (-1) count as groups of one. Without it,
// or when no group is known, the lowest free indices. Sorted ascending.
std::vector<std::uint32_t> pick_gpus(const Node& n, const std::string& type, std::uint32_t count, bool topology) {
  std::vector<std::uint32_t> free = free_gpus(n, type);
  const bool known = std::any_of(n.gpus.begin(), n.gpus.end(), [](const Gpu& g) { return g.link_group >= 0; });
  if (!topology || count <= 1 || !known) {
    free.resize(std::min<std::size_t>(count, free.size()));
    return free;
  }
  std::vector<std::vector<std::uint32_t>> groups;  // in order of first free index
  std::map<std::int32_t, std::size_t> where;
  for (std::uint32_t g : free) {
    const std::int32_t link = n.gpus[gpu_slot(n, g)].link_group;
    auto [it, fresh] = where.emplace(link, groups.size());
    if (fresh || link < 0) {
      it->second = groups.size();
      groups.emplace_back();
    }
    groups[it->second].push_back(g);
  }
  const auto enough = [&](const auto& g) { return g.size() >= count; };
  auto best = groups.end();
  for (auto it = groups.begin(); it != groups.end(); ++it)
    if (enough(*it) && (best == groups.end() || it->size() < best->size())) best = it;
  std::vector<std::uint32_t> out;
  if (best != groups.end()) {
    out.assign(best->begin(), best->begin() + count);
    return out;
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& g : groups)
    for (std::uint32_t i : g)
      if (out.size() < count) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

// Reads gpu_type_order: an array of distinct, non-empty strings.
void read_type_order(const toml::table& options, OptionReader& r, std::vector<std::string>& out) {
  const toml::node* n = options.get("gpu_type_order");
  if (!n) return;
  const toml::array* a = n->as_array();
  const auto type = [](const toml::node& v) {
    return std::string(toml::impl::node_type_friendly_names[static_cast<int>(v.type())]);
  };
  if (!a) return r.error(n, "gpu_type_order", "expected array of strings, got " + type(*n));
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string key = "gpu_type_order[" + std::to_string(i) + "]";
    const auto* s = (*a)[i].as_string();
    if (!s || s->get().empty()) {
      r.error(&(*a)[i], key, s ? "must not be empty" : "expected string, got " + type((*a)[i]));
    } else if (std::find(out.begin(), out.end(), s->get()) != out.end()) {
      r.error(&(*a)[i], key, "\"" + s->get() + "\" listed twice");
    } else {
      out.push_back(s->get());
    }
  }
}

class SelectGpu final : public SelectPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    OptionReader r(options, prefix, errors);
    r.only({"strategy", "gpu_type_order", "topology", "cpu_jobs_avoid_gpu_nodes"});
    std::string s = "pack";
    if (r.get("strategy", s) && s != "pack" && s != "spread")
      r.error(options.get("strategy"), "strategy", "must be \"pack\" or \"spread\" (got \"" + s + "\")");
    o_.spread = s == "spread";
    read_type_order(options, r, o_.type_order);
    r.get("topology", o_.topology);
    r.get("cpu_jobs_avoid_gpu_nodes", o_.cpu_jobs_avoid_gpu_nodes);
    return errors.empty();
  }

  Status feasible(const JobView& job, const ClusterView& cluster) override;
  Status select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) override;

 private:
  // Node order for `spec`: weight (lower first); for jobs without GPUs, nodes without GPUs first
  // (cpu_jobs_avoid_gpu_nodes); then free CPUs (fewest first with pack, most with spread); ties
  // in configuration order.
  void order(const JobSpec& spec, std::vector<const Node*>& nodes) const {
    const bool avoid = o_.cpu_jobs_avoid_gpu_nodes && !wants_gpus(spec);
    std::ranges::stable_sort(nodes, [&](const Node* a, const Node* b) {
      if (a->weight != b->weight) return a->weight < b->weight;
      if (avoid && a->gpus.empty() != b->gpus.empty()) return a->gpus.empty();
      return o_.spread ? free_cpus(*a) > free_cpus(*b) : free_cpus(*a) < free_cpus(*b);
    });
  }

  Options o_;
};

// Whether every feature `c` names is on some node of the cluster (Slurm refuses the others).
bool features_known(const Constraint& c, const ClusterView& cluster) {
  for (const std::string& f : c.features())
    if (std::none_of(cluster.nodes.begin(), cluster.nodes.end(), [&](const Node& n) { return has_feature(n, f); }))
      return false;
  return true;
}

Status SelectGpu::feasible(const JobView& job, const ClusterView& cluster) {
  const Partition* p = cluster.partition(job.spec.partition);
  if (!p) return Status::reject("Invalid partition name specified");
  Constraint c;
  if (std::string why = parse_constraint(job.spec.constraint, c); !why.empty())
    return Status::reject("Invalid feature specification (" + why + ")");
  if (!features_known(c, cluster)) return Status::reject("Invalid feature specification");
  std::vector<const Node*> listed, others;
  const bool listed_ok = candidates(job, *p, cluster, listed, others);
  const auto lacks = [&](const Node* n) { return !c.matches(*n); };
  std::erase_if(others, lacks);
  if (!listed_ok || std::ranges::any_of(listed, lacks) ||
      assign({job.spec, o_, false, std::nullopt}, listed, others).empty())
    return Status::reject("Requested node configuration is not available");
  return Status::ok();
}

Status SelectGpu::select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) {
  const Partition* p = cluster.partition(job.spec.partition);
  if (!p) return Status::unschedulable("PartitionDown");
  Constraint c;
  if (!parse_constraint(job.spec.constraint, c).empty()) return Status::unschedulable("BadConstraints");
  std::vector<const Node*> listed, others;
  if (!candidates(job, *p, cluster, listed, others) ||
      !std::ranges::all_of(listed, [&](const Node* n) { return node_usable(*n) && c.matches(*n); }))
    return Status::unschedulable("ReqNodeNotAvail");
  std::erase_if(others, [&](const Node* n) { return !node_usable(*n) || !c.matches(*n); });
  order(job.spec, others);
  const std::vector<Placed> chosen = assign_by_type(job.spec, o_, listed, others);
  if (chosen.empty()) return Status::unschedulable("Resources");
  out.clear();
  for (const auto& [n, share, type] : chosen)
    out.push_back(
        {n->name, static_cast<std::uint32_t>(share.cpus), share.mem_mb, pick_gpus(*n, type, share.gpus, o_.topology)});
  return Status::ok();
}

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::SelectGpu)

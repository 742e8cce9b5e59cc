// preempt/preempt: which running jobs to stop so that a pending job can start, as Slurm's
// PreemptType=preempt/partition_prio decides it (a job of a higher partition PriorityTier may stop
// jobs of lower tiers), with the fewest victims that let the job fit.
//
// The controller asks only for a pending job the select policy could not place. A running job is a
// candidate victim when
//   - its partition's priority_tier is strictly lower than the pending job's partition's,
//   - its partition's preempt_mode is not "off", and
//   - it has run for at least `exempt_time` seconds (Slurm's PreemptExemptTime).
// Each victim is stopped in its partition's preempt_mode (requeue or cancel), unless the job says
// otherwise: --no-requeue cancels it, --requeue requeues it, and an interactive srun job is always
// cancelled. It gets its partition's grace_time (Slurm's GraceTime) between the warning signal and
// the kill.
//
// Victims are chosen on the nodes the pending job could use (its partition, -w, -x, -C, usable
// nodes) and only where releasing them lets its share fit (CPUs, memory, GPUs of one type); a set
// that would not let it start is never returned. README.md describes the choice in detail.
//
// Options ([plugins.preempt.options]):
//   order = "youngest"     which candidate goes first: "youngest" (latest submitted),
//                          "least_work_lost" (latest started), "fewest_restarts" (then youngest)
//   exempt_time = 0        seconds a job runs before it may be preempted (PreemptExemptTime)
#include <algorithm>
#include <cstdint>
#include <optional>
#include <sluice/export.hpp>
#include <sluice/features.hpp>
#include <sluice/ledger.hpp>
#include <sluice/options.hpp>
#include <sluice/preempt.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice {
namespace {

constexpr const char* kName = "preempt/preempt";

// Which candidate victim is stopped first.
enum class Order : std::uint8_t {
  Youngest,        // latest submit_time first (then the higher job id)
  LeastWorkLost,   // latest start_time first: the shortest run so far, then youngest
  FewestRestarts,  // fewest restarts first, then youngest
};

// A running job that may be stopped for the pending one, and how.
struct Candidate {
  const JobView* job;
  PreemptMode mode;
  Time grace;
};

// Whether candidate `a` goes before `b` under `order`.
bool goes_first(Order order, const JobView& a, const JobView& b) {
  if (order == Order::LeastWorkLost && a.start_time != b.start_time) return a.start_time > b.start_time;
  if (order == Order::FewestRestarts && a.restarts != b.restarts) return a.restarts < b.restarts;
  if (a.submit_time != b.submit_time) return a.submit_time > b.submit_time;
  return a.id > b.id;
}

// Whether `n`, as it is, holds `s`: CPUs, memory and s.gpus free GPUs of `type`; with no type
// asked, of one type (the select policy gives a job GPUs of one type on each node).
bool holds(const Node& n, const Share& s, const std::string& type) {
  if (s.gpus == 0 || !type.empty()) return fits(n, s, type, true);
  for (std::size_t i = 0; i < n.gpus.size(); ++i)
    if ((i == 0 || n.gpus[i - 1].type != n.gpus[i].type) && fits(n, s, n.gpus[i].type, true)) return true;
  return false;
}

// One node of the pending job and the share it must hold.
struct Chosen {
  const Node* node;
  Share share;
};

// The search for one pending job. Victims are named by their rank: their position in
// `candidates`, which is in preemption order (rank 0 goes first).
class Search {
 public:
  Search(const JobSpec& spec, std::vector<Candidate> candidates, const ClusterView& cluster)
      : spec_(spec), candidates_(std::move(candidates)), released_(candidates_.size(), false) {
    for (std::size_t rank = 0; rank < candidates_.size(); ++rank)
      for (const NodeAlloc& a : candidates_[rank].job->alloc) {
        std::vector<std::size_t>& on = on_node_[a.node];
        if (on.empty() || on.back() != rank) on.push_back(rank);
      }
    for (const Node& n : cluster.nodes) on_node_.try_emplace(n.name);
  }

  // Chooses `count` nodes from `listed` (-w: all of them) and `others`, and the victims that let
  // each hold its share: share by share, largest first, the node that needs the fewest victims
  // beyond those already chosen. Returns the victims' ranks in preemption order; nullopt when no
  // set lets the job fit, or when it would fit without any victim.
  std::optional<std::vector<std::size_t>> run(std::size_t count, std::vector<const Node*> listed,
                                              std::vector<const Node*> others) {
    const std::vector<Share> parts = shares(spec_, count);
    std::vector<std::size_t> added;  // victims in the order they were chosen
    for (std::size_t i = 0; i < count; ++i) {
      // While more shares remain than -w nodes left, any node may take this one; else a -w node.
      const bool listed_only = count - i <= listed.size();
      std::optional<Pick> best;
      for (std::vector<const Node*>* pool : {&listed, &others}) {
        if (pool == &others && listed_only) break;
        for (std::size_t k = 0; k < pool->size(); ++k) {
          std::optional<std::vector<std::size_t>> victims = plan(*(*pool)[k], parts[i]);
          // A lone node that holds the job without victims: preemption would not help there (the
          // select policy refused it for another reason).
          if (!victims || (count == 1 && victims->empty())) continue;
          const std::size_t reach = count > 1 ? spread(*victims, (*pool)[k], listed, others) : 0;
          Pick pick{pool, k, std::move(*victims), reach};
          if (!best || better(pick, *best)) best = std::move(pick);
        }
      }
      if (!best) return std::nullopt;
      for (std::size_t rank : best->victims) released_[rank] = true, added.push_back(rank);
      chosen_.push_back({(*best->pool)[best->index], parts[i]});
      best->pool->erase(best->pool->begin() + static_cast<std::ptrdiff_t>(best->index));
    }
    if (added.empty()) return std::nullopt;
    // A victim chosen for one node may have become unneeded by one chosen later for another that
    // it shares: drop every victim, last chosen first, without which every node still holds its share.
    for (auto it = added.rbegin(); it != added.rend(); ++it) {
      released_[*it] = false;
      if (!std::ranges::all_of(chosen_, [&](const Chosen& c) { return holds_without(*c.node, c.share); }))
        released_[*it] = true;
    }
    std::vector<std::size_t> out;
    for (std::size_t rank = 0; rank < released_.size(); ++rank)
      if (released_[rank]) out.push_back(rank);
    return out;
  }

 private:
  // A node considered for one share: pool and index in it, the victims it needs beyond those
  // chosen (ranks, ascending) and how many other candidate nodes those victims also hold.
  struct Pick {
    std::vector<const Node*>* pool;
    std::size_t index;
    std::vector<std::size_t> victims;
    std::size_t spread;
  };

  // Fewer victims first; for multi-node jobs, victims that hold more other candidate nodes (their
  // release frees those too); then victims earlier in the order; then lower node weight; then name.
  static bool better(const Pick& a, const Pick& b) {
    if (a.victims.size() != b.victims.size()) return a.victims.size() < b.victims.size();
    if (a.spread != b.spread) return a.spread > b.spread;
    if (a.victims != b.victims) return a.victims < b.victims;
    const Node &na = *(*a.pool)[a.index], &nb = *(*b.pool)[b.index];
    if (na.weight != nb.weight) return na.weight < nb.weight;
    return na.name < nb.name;
  }

  const std::string& type() const { return spec_.gpu_type; }

  // Whether `n` holds `s` once the victims already chosen and those in `extra` are released from
  // it (each victim's part on `n`: ledger's release()).
  bool holds_without(const Node& n, const Share& s, const std::vector<std::size_t>& extra = {}) const {
    const std::vector<std::size_t>& on = on_node_.at(n.name);
    const auto gone = [&](std::size_t rank) {
      return released_[rank] || std::ranges::find(extra, rank) != extra.end();
    };
    if (std::ranges::none_of(on, gone)) return holds(n, s, type());
    Node copy = n;
    for (std::size_t rank : on)
      if (gone(rank))
        for (const NodeAlloc& a : candidates_[rank].job->alloc)
          if (a.node == n.name) release(copy, a);
    return holds(copy, s, type());
  }

  // The fewest victims, beyond those chosen, whose release lets `n` hold `s`: candidates on `n`
  // are released in preemption order until it does, then each of them, last first, is kept
  // running if `n` holds `s` without it. Empty when it holds `s` already; nullopt when releasing
  // every candidate on it is not enough.
  std::optional<std::vector<std::size_t>> plan(const Node& n, const Share& s) const {
    if (holds_without(n, s)) return std::vector<std::size_t>{};
    std::vector<std::size_t> victims;
    bool enough = false;
    for (std::size_t rank : on_node_.at(n.name)) {
      if (released_[rank]) continue;
      victims.push_back(rank);
      if ((enough = holds_without(n, s, victims))) break;
    }
    if (!enough) return std::nullopt;
    for (std::size_t i = victims.size(); i-- > 0;) {
      std::vector<std::size_t> without = victims;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      if (holds_without(n, s, without)) victims = std::move(without);
    }
    return victims;
  }

  // How many candidate nodes other than `self` the victims in `victims` hold.
  std::size_t spread(const std::vector<std::size_t>& victims, const Node* self, const std::vector<const Node*>& listed,
                     const std::vector<const Node*>& others) const {
    std::size_t count = 0;
    for (const auto* pool : {&listed, &others})
      for (const Node* n : *pool) {
        if (n == self) continue;
        const std::vector<std::size_t>& on = on_node_.at(n->name);
        count += std::ranges::any_of(victims, [&](std::size_t r) { return std::ranges::find(on, r) != on.end(); });
      }
    return count;
  }

  const JobSpec& spec_;
  std::vector<Candidate> candidates_;
  std::unordered_map<std::string, std::vector<std::size_t>> on_node_;  // node -> ranks running there
  std::vector<bool> released_;                                         // by rank: chosen as a victim
  std::vector<Chosen> chosen_;
};

class Preempt final : public PreemptPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context& ctx, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    const std::size_t before = errors.size();
    OptionReader r(options, prefix, errors);
    r.only({"order", "exempt_time"});
    std::string order = "youngest";
    if (r.get("order", order)) {
      if (order == "youngest")
        order_ = Order::Youngest;
      else if (order == "least_work_lost")
        order_ = Order::LeastWorkLost;
      else if (order == "fewest_restarts")
        order_ = Order::FewestRestarts;
      else
        r.error(options.get("order"), "order",
                "must be \"youngest\", \"least_work_lost\" or \"fewest_restarts\" (got \"" + order + "\")");
    }
    if (r.get("exempt_time", exempt_time_) && exempt_time_ < 0)
      r.error(options.get("exempt_time"), "exempt_time", "must be >= 0 (got " + std::to_string(exempt_time_) + ")");
    ctx_ = ctx;
    return errors.size() == before;
  }

  Status victims(const JobView& pending, const std::vector<const JobView*>& running, const ClusterView& cluster,
                 PreemptDecision& out) override {
    out.victims.clear();
    const Partition* p = cluster.partition(pending.spec.partition);
    if (!p) return Status::unschedulable("PartitionDown");
    Constraint c;
    if (!parse_constraint(pending.spec.constraint, c).empty()) return Status::unschedulable("BadConstraints");
    std::vector<const Node*> listed, others;
    if (!candidate_nodes(pending, *p, cluster, listed, others) ||
        !std::ranges::all_of(listed, [&](const Node* n) { return node_usable(*n) && c.matches(*n); }))
      return Status::unschedulable("ReqNodeNotAvail");
    std::erase_if(others, [&](const Node* n) { return !node_usable(*n) || !c.matches(*n); });
    const std::size_t count = std::max<std::size_t>({1, pending.spec.nodes, listed.size()});
    std::vector<Candidate> candidates = candidates_for(pending, *p, running, cluster);
    if (candidates.empty() || count > listed.size() + others.size()) return Status::unschedulable("Resources");
    Search search(pending.spec, candidates, cluster);
    const std::optional<std::vector<std::size_t>> chosen = search.run(count, std::move(listed), std::move(others));
    if (!chosen) return Status::unschedulable("Resources");
    for (std::size_t rank : *chosen) {
      const Candidate& v = candidates[rank];
      out.victims.push_back({v.job->id, v.mode, v.grace});
    }
    return Status::ok();
  }

 private:
  // The running jobs `pending` (of partition `p`) may stop, in preemption order, each with its mode
  // and grace time.
  std::vector<Candidate> candidates_for(const JobView& pending, const Partition& p,
                                        const std::vector<const JobView*>& running, const ClusterView& cluster) const {
    const Time now = ctx_.now ? ctx_.now() : 0;
    std::vector<Candidate> out;
    for (const JobView* job : running) {
      if (!job || job->id == pending.id || job->state != JobState::Running || job->alloc.empty()) continue;
      const Partition* vp = cluster.partition(job->spec.partition);
      if (!vp || vp->preempt_mode == PreemptMode::Off || vp->priority_tier >= p.priority_tier) continue;
      if (now - job->start_time < exempt_time_) continue;  // Slurm's PreemptExemptTime
      PreemptMode mode = vp->preempt_mode;
      if (job->spec.requeue == RequeueFlag::NoRequeue) mode = PreemptMode::Cancel;
      if (job->spec.requeue == RequeueFlag::Requeue) mode = PreemptMode::Requeue;
      if (!job->spec.batch) mode = PreemptMode::Cancel;  // an interactive srun cannot go back to the queue
      out.push_back({job, mode, vp->grace_time});
    }
    std::ranges::stable_sort(
        out, [&](const Candidate& a, const Candidate& b) { return goes_first(order_, *a.job, *b.job); });
    return out;
  }

  Order order_ = Order::Youngest;
  Time exempt_time_ = 0;
  Context ctx_;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::Preempt)

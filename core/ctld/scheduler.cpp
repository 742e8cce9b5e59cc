#include "core/ctld/scheduler.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <sluice/ledger.hpp>
#include <unordered_set>

#include "core/ctld/plugins.hpp"
#include "core/util/time_math.hpp"

namespace sluice {

bool dependencies_met(const Job& j, const DependencyFacts& deps, std::string& reason) {
  for (const auto& d : j.spec.depends) {
    auto it = deps.find(d.job);
    if (it == deps.end()) {
      reason = "DependencyNeverSatisfied";
      return false;
    }
    const JobState state = it->second;
    const bool done = is_final(state), started = state != JobState::Pending;
    switch (d.kind) {
      case DependKind::After:
        if (!started) return reason = "Dependency", false;
        break;
      case DependKind::AfterAny:
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterOk:
        if (done && state != JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterNotOk:
        if (done && state == JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
    }
  }
  return true;
}

namespace {

// The decision for one job that is eligible (not held, dependencies met).
PassDecision place(const Job& j, std::vector<Node>& nodes, const std::vector<Partition>& partitions, PluginSet& plugins,
                   std::uint64_t& generation, bool& partition_blocked) {
  PassDecision d;
  d.job = j.id;
  const ClusterView cv{nodes, partitions, generation};
  Status st = plugins.gate(j, cv);
  if (st.code == Code::Ok) st = plugins.select(j, cv, d.alloc);
  if (st.code == Code::Ok && !d.alloc.empty()) {
    if (std::string why = placement_problem(j, cv, d.alloc); !why.empty()) {
      st = Status::error(plugins.plugin_name(SelectPolicy::kPoint) + ": invalid placement: " + why);
      d.blamed = true;
    } else {
      d.start = true;
      for (const auto& a : d.alloc)
        for (auto& n : nodes)
          if (n.name == a.node) allocate(n, a);
      if (generation) ++generation;
      return d;
    }
  } else if (st.code == Code::Error) {
    d.blamed = plugins.last_error_blamed();
  }
  if (st.code == Code::Error) {
    d.reason = "PluginError";
    d.fault = st.message;
    d.alloc.clear();
  } else if (st.code == Code::Reject) {
    d.reason = st.reason.empty() ? "ReqNodeNotAvail" : st.reason;
  } else if (!d.alloc.empty() || st.reason.empty() || st.reason == "Resources") {
    d.reason = partition_blocked ? "Priority" : "Resources";
    partition_blocked = true;
    d.alloc.clear();
  } else {
    d.reason = st.reason;
  }
  return d;
}

// Releases every allocation of `victims` from `nodes`.
void release_all(std::vector<Node>& nodes, const std::vector<const JobView*>& victims) {
  for (const JobView* v : victims)
    for (const auto& a : v->alloc)
      for (auto& n : nodes)
        if (n.name == a.node) release(n, a);
}

// Whether `j` can be placed on `nodes` once `victims` are gone: if so, `nodes` holds both j's
// placement (reserved) and the victims' (still running), and `alloc` is j's placement; if not,
// `nodes` is unchanged.
bool reserve_after(const Job& j, std::vector<Node>& nodes, const std::vector<Partition>& partitions, PluginSet& plugins,
                   const std::vector<const JobView*>& victims, std::uint64_t& generation,
                   std::vector<NodeAlloc>& alloc) {
  // Only the victims' nodes change before the select (no copy of the whole cluster): keep them as
  // they are, to restore them if `j` does not fit, or to merge with its placement if it does.
  std::vector<std::pair<std::size_t, Node>> before;
  for (const JobView* v : victims)
    for (const auto& a : v->alloc)
      for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == a.node && std::ranges::none_of(before, [&](const auto& b) { return b.first == i; }))
          before.emplace_back(i, nodes[i]);
  release_all(nodes, victims);
  const ClusterView cv{nodes, partitions, 0};
  alloc.clear();
  if (plugins.select(j, cv, alloc).code != Code::Ok || alloc.empty() || !placement_problem(j, cv, alloc).empty()) {
    for (auto& [i, n] : before) nodes[i] = std::move(n);
    return false;
  }
  for (const auto& a : alloc)
    for (auto& n : nodes)
      if (n.name == a.node) allocate(n, a);
  // The victims still hold their resources now and `j` will hold its placement later: nothing of
  // either may go to another job, so each of their nodes keeps the larger of both uses.
  for (const auto& [i, was] : before) {
    Node& n = nodes[i];
    n.alloc_cpus = std::max(n.alloc_cpus, was.alloc_cpus);
    n.alloc_mem_mb = std::max(n.alloc_mem_mb, was.alloc_mem_mb);
    n.running_jobs = std::max(n.running_jobs, was.running_jobs);
    n.gpu_used.resize(std::max(n.gpu_used.size(), was.gpu_used.size()), false);
    for (std::size_t g = 0; g < was.gpu_used.size(); ++g) n.gpu_used[g] = n.gpu_used[g] || was.gpu_used[g];
  }
  if (generation) ++generation;
  return true;
}

constexpr Time kNever = std::numeric_limits<Time>::max();

// Backfill's view of the future: what holds resources until when, and the reservations made.
class Timeline {
 public:
  Timeline(std::vector<Node>& nodes, Time now, const BackfillFacts& facts) : nodes_(nodes), now_(now) {
    for (std::size_t i = 0; i < nodes.size(); ++i) index_.emplace(nodes[i].name, i);
    for (const Job* j : facts.holding) add_holding(j->alloc, expected_end(*j), j->id);
  }
  static Time end_of(Time start, Time limit) { return limit > 0 ? add_seconds(start, limit) : kNever; }
  Time expected_end(const Job& j) const {
    if (j.state == JobState::Completing) return now_;
    return std::max(now_, end_of(j.start_time, j.spec.time_limit));
  }
  void add_holding(const std::vector<NodeAlloc>& alloc, Time end, std::uint64_t job = 0) {
    holding_.push_back({now_, end, alloc, job});
  }
  // Victims whose resources a preempting job has taken in the pass's nodes: no longer held.
  void forget(const std::vector<const JobView*>& victims) {
    std::erase_if(holding_, [&](const Span& h) {
      return h.job && std::ranges::any_of(victims, [&](const JobView* v) { return v->id == h.job; });
    });
  }
  // Reservations are tried for at most kMaxReservations blocked jobs per pass, found or not.
  bool full() const { return attempts_ >= kMaxReservations; }

  // The earliest time at which select places `j` for its time limit, the placement reserved; 0
  // when none of the candidate times works.
  Time reserve(const Job& j, const std::vector<Partition>& partitions, PluginSet& plugins) {
    ++attempts_;
    std::vector<Time> times;
    for (const auto& h : holding_)
      if (h.end > now_ && h.end != kNever) times.push_back(h.end);
    for (const auto& r : reserved_)
      if (r.end != kNever) times.push_back(r.end);
    std::ranges::sort(times);
    times.erase(std::unique(times.begin(), times.end()), times.end());
    if (times.size() > kMaxStartCandidates) times.resize(kMaxStartCandidates);
    for (Time t : times) {
      const Time end = end_of(t, j.spec.time_limit);
      std::vector<Node> at = nodes_;
      for (const auto& h : holding_)
        if (h.end <= t) apply(at, h.alloc, false);
      for (const auto& r : reserved_)
        if (r.start < end && t < r.end) apply(at, r.alloc, true);
      const ClusterView cv{at, partitions, 0};
      std::vector<NodeAlloc> alloc;
      if (plugins.select(j, cv, alloc).code != Code::Ok || alloc.empty() || !placement_problem(j, cv, alloc).empty())
        continue;
      reserved_.push_back({t, end, std::move(alloc), j.id});
      return t;
    }
    return 0;
  }

  // Whether a job placed now on `alloc` (already taken from the pass's nodes) until `end` leaves
  // every reservation whole: on each node both share, the reservation's part still fits at its
  // start once the jobs ending by then are gone and the other reservations then are counted.
  bool delays_none(const std::vector<NodeAlloc>& alloc, Time end) const {
    for (std::size_t r = 0; r < reserved_.size(); ++r) {
      const Span& res = reserved_[r];
      if (end <= res.start) continue;
      for (const auto& part : res.alloc) {
        if (std::ranges::none_of(alloc, [&](const NodeAlloc& a) { return a.node == part.node; })) continue;
        Node n = nodes_[index_.at(part.node)];
        for (const auto& h : holding_)
          if (h.end <= res.start) apply_on(n, h.alloc, false);
        for (std::size_t o = 0; o < reserved_.size(); ++o)
          if (o != r && reserved_[o].start < res.end && res.start < reserved_[o].end)
            apply_on(n, reserved_[o].alloc, true);
        if (!alloc_problem(n, part).empty()) return false;
      }
    }
    return true;
  }

 private:
  struct Span {
    Time start, end;
    std::vector<NodeAlloc> alloc;
    std::uint64_t job = 0;  // holdings: the job, where known
  };
  void apply(std::vector<Node>& at, const std::vector<NodeAlloc>& alloc, bool take) const {
    for (const auto& a : alloc)
      if (auto it = index_.find(a.node); it != index_.end())
        take ? allocate(at[it->second], a) : release(at[it->second], a);
  }
  static void apply_on(Node& n, const std::vector<NodeAlloc>& alloc, bool take) {
    for (const auto& a : alloc)
      if (a.node == n.name) take ? allocate(n, a) : release(n, a);
  }
  std::vector<Node>& nodes_;  // the pass's nodes: what is allocated now
  Time now_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Span> holding_;   // allocations held now, until their expected end
  std::vector<Span> reserved_;  // reservations of blocked jobs
  std::size_t attempts_ = 0;    // reserve() calls
};

}  // namespace

std::string preempt_problem(const PreemptDecision& d, const std::vector<const JobView*>& running,
                            const std::unordered_set<std::uint64_t>& taken) {
  if (d.victims.empty()) return "no victims";
  std::unordered_set<std::uint64_t> seen;
  for (const auto& v : d.victims) {
    const std::string job = "job " + std::to_string(v.job);
    if (!std::ranges::any_of(running, [&](const JobView* r) { return r->id == v.job; }))
      return job + " is not a running job that may be preempted";
    if (!seen.insert(v.job).second) return job + " listed twice";
    if (taken.contains(v.job)) return job + " is already stopped for another job";
    if (v.mode != PreemptMode::Requeue && v.mode != PreemptMode::Cancel)
      return job + ": mode must be requeue or cancel";
    if (v.grace < 0) return job + ": negative grace time";
  }
  return {};
}

std::vector<PassDecision> schedule_pass(const std::vector<const Job*>& pending, std::vector<Node>& nodes,
                                        const std::vector<Partition>& partitions, PluginSet& plugins,
                                        const DependencyFacts& deps, std::uint64_t generation, Time now,
                                        const PreemptionFacts* preemption, const BackfillFacts* backfill) {
  std::vector<std::pair<std::uint32_t, const Job*>> order;  // (partition tier, job)
  order.reserve(pending.size());
  for (const Job* j : pending) {
    std::uint32_t tier = 0;
    for (const auto& p : partitions)
      if (p.name == j->spec.partition) tier = p.priority_tier;
    order.emplace_back(tier, j);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.second->priority != b.second->priority) return a.second->priority > b.second->priority;
    return a.second->id < b.second->id;
  });
  std::vector<PassDecision> out;
  out.reserve(order.size());
  std::map<std::string, bool> blocked;  // partition -> a higher job already waits for resources
  const bool may_preempt = preemption && plugins.preempt() && !preemption->running.empty();
  // Only a job of a higher tier than some running job can preempt: the others are not asked.
  std::uint32_t lowest_running_tier = std::numeric_limits<std::uint32_t>::max();
  if (may_preempt)
    for (const Job* r : preemption->running)
      for (const auto& p : partitions)
        if (p.name == r->spec.partition) lowest_running_tier = std::min(lowest_running_tier, p.priority_tier);
  std::unordered_set<std::uint64_t> taken;  // victims chosen earlier in this pass
  std::optional<Timeline> timeline;
  if (backfill && now) timeline.emplace(nodes, now, *backfill);
  for (const auto& [tier, j] : order) {
    PassDecision d;
    d.job = j->id;
    if (j->spec.hold) {
      d.reason = j->reason;
    } else if (now && j->eligible_time > now) {
      d.reason = "BeginTime";
    } else if (auto it = preemption ? preemption->stopping.find(j->id) : decltype(preemption->stopping.end()){};
               preemption && it != preemption->stopping.end() && !it->second.empty()) {
      // Victims are still ending for it: keep what they will free for it.
      const std::vector<const JobView*> victims(it->second.begin(), it->second.end());
      std::vector<NodeAlloc> alloc;
      if (dependencies_met(*j, deps, d.reason) &&
          reserve_after(*j, nodes, partitions, plugins, victims, generation, alloc)) {
        d.reason = "Preempting";
        blocked[j->spec.partition] = true;
        if (timeline)
          timeline->forget(victims), timeline->add_holding(alloc, Timeline::end_of(now, j->spec.time_limit));
      } else if (d.reason.empty()) {
        d = place(*j, nodes, partitions, plugins, generation, blocked[j->spec.partition]);
      }
    } else if (dependencies_met(*j, deps, d.reason)) {
      d = place(*j, nodes, partitions, plugins, generation, blocked[j->spec.partition]);
      if (!d.start && (d.reason == "Resources" || d.reason == "Priority") && may_preempt &&
          tier > lowest_running_tier) {
        std::vector<const JobView*> running;
        for (const Job* r : preemption->running)
          if (!taken.contains(r->id)) running.push_back(r);
        const ClusterView cv{nodes, partitions, 0};
        PreemptDecision pd;
        const Status st = plugins.preempt(*j, running, cv, pd);
        std::string why = st.code == Code::Error ? st.message : "";
        if (st.code == Code::Ok && why.empty()) why = preempt_problem(pd, running, taken);
        if (st.code == Code::Ok && why.empty()) {
          std::vector<const JobView*> victims;
          for (const auto& v : pd.victims)
            for (const JobView* r : running)
              if (r->id == v.job) victims.push_back(r);
          std::vector<NodeAlloc> alloc;
          if (reserve_after(*j, nodes, partitions, plugins, victims, generation, alloc)) {
            d.reason = "Preempting";
            if (timeline)
              timeline->forget(victims), timeline->add_holding(alloc, Timeline::end_of(now, j->spec.time_limit));
            d.preempt = pd.victims;
            for (const auto& v : pd.victims) taken.insert(v.job);
          } else {
            why = "the victims' resources would not let the job start";
          }
        }
        if (!why.empty()) {
          d.fault = plugins.plugin_name(PreemptPolicy::kPoint) + ": invalid preemption for job " +
                    std::to_string(j->id) + ": " + why;
          if (st.code == Code::Error) d.fault = st.message;
        }
      }
    }
    if (timeline && d.start) {
      const Time end = Timeline::end_of(now, j->spec.time_limit);
      if (timeline->delays_none(d.alloc, end)) {
        timeline->add_holding(d.alloc, end);
      } else {  // it would delay a job of higher priority: give the placement back
        for (const auto& a : d.alloc)
          for (auto& n : nodes)
            if (n.name == a.node) release(n, a);
        d.start = false;
        d.alloc.clear();
        d.reason = "Priority";
      }
    }
    if (timeline && !d.start && d.preempt.empty() && (d.reason == "Resources" || d.reason == "Priority") &&
        !timeline->full())
      d.expected_start = timeline->reserve(*j, partitions, plugins);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sluice

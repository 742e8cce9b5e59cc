// Everything the controller holds, and the operations the request handlers share. The loop
// (controller.cpp) owns one CtlState and hands it to the handlers of the request table:
//   requests.cpp  client commands (submit, jobs, nodes, cancel, hold, update_node, acct)
//   agents.cpp    node agents (register, heartbeat, job_started, job_ended) and the periodic tick
//   reconfig.cpp  reconfigure and what-if
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/ctld/jobs.hpp"
#include "core/ctld/nodes.hpp"
#include "core/ctld/outbox.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/scheduler.hpp"
#include "core/ctld/store.hpp"
#include "core/proto/auth.hpp"

namespace sluice {

// Who sent a request, as authenticated.
struct Request {
  std::string peer;  // ZeroMQ routing id, where the reply goes
  Identity who;
  bool admin = false;  // root, the controller's uid, or a user of controller.admins
  std::string node;    // for node agents: the node's name
};

// A job on which a plugin failed this many passes in a row, each time through its own fault, is
// held so that it cannot stop scheduling for everyone.
inline constexpr int kMaxPluginFaults = 3;

struct CtlState {
  CtlState(std::shared_ptr<const Config> config, std::unique_ptr<PluginSet> plugin_set);

  std::shared_ptr<const Config> cfg;
  std::unique_ptr<PluginSet> plugins;
  Store store;
  Outbox out;
  Nodes nodes;
  std::vector<Partition> partitions;
  Jobs jobs;
  bool sched_needed = true;
  bool plugin_trouble = false;  // the last pass met a plugin fault
  Time next_eligible = 0;       // the earliest eligible_time of a job waiting for BeginTime; 0: none
  std::unordered_map<std::uint64_t, int> plugin_faults;        // job -> faults in a row it caused
  std::vector<std::pair<std::string, std::uint64_t>> submits;  // (peer, job) answered after the pass
  std::map<std::string, std::vector<Gpu>> discovered;          // gpu_detect nodes: the inventory adopted from NVML
  // The next step id of each running job that has had steps (srun inside an allocation). Kept in
  // memory: after a controller restart a job's step ids start again from 0.
  std::unordered_map<std::uint64_t, std::uint32_t> next_step;

  Time now() const;
  ClusterView view() const { return {nodes.all(), partitions, nodes.generation()}; }
  bool may_act(const Request& r, const Job& j) const { return r.admin || r.who.uid == j.uid; }
  // Applies an event to a job (Jobs::handle) and notes whether a pass is owed. An event that ends
  // the job carries the end decision (end_decision) with it.
  bool handle(Job& j, const JobEvent& e);
  // What the end of j's run in `final_state` means: a run stopped by scontrol requeue comes back
  // (held after requeuehold); a completed or cancelled run, or one preempted in cancel mode, is
  // final; anything else is the requeue plugin's to decide (final without one, or when it fails).
  RequeueDecision end_decision(const Job& j, JobState final_state, const JobEvent& e);
  // The states of the jobs that pending jobs depend on.
  DependencyFacts dependency_facts();
  // The running jobs a pass may preempt, and the victims still ending for each pending job.
  PreemptionFacts preemption_facts() const;
  // One live scheduling pass: decisions of schedule_pass() on a copy of the nodes, applied.
  void schedule();
  // A node went down (not responding, or an admin said so): its jobs end NODE_FAIL.
  void node_down(Node& n, const std::string& why);
};

}  // namespace sluice

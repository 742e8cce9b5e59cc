// The nodes as the controller knows them: configured hardware, agent health (registration,
// heartbeats, DOWN) and the allocation ledger. Every allocation and release of CPUs, memory and
// GPU indices goes through take()/give_back(), which use the SDK's ledger functions
// (sluice/ledger.hpp): the same ones the scheduling pass, what-if and the test kit use.
#pragma once
#include <map>
#include <sluice/model.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"

namespace sluice {

struct NodeAdmin;

class Nodes {
 public:
  explicit Nodes(std::vector<Node> configured);

  Node* find(const std::string& name);
  const Node* find(const std::string& name) const;
  std::vector<Node>& all() { return nodes_; }
  const std::vector<Node>& all() const { return nodes_; }
  // Changes whenever nodes or their load may have changed (ClusterView::generation).
  std::uint64_t generation() const { return generation_; }
  void changed() { ++generation_; }

  // The ledger. take() checks every part first (alloc_problem) and takes nothing when one does not
  // fit, returning why; give_back() returns what take() took. `now` stamps the nodes' last_busy.
  std::string take(const std::vector<NodeAlloc>& alloc, Time now);
  void give_back(const std::vector<NodeAlloc>& alloc, Time now);

  // Health. A registration or heartbeat marks the node responding; `instance` identifies the
  // agent process (a new one after each agent start).
  void registered(const std::string& name, const std::string& instance, Time now);
  bool heartbeat_known(const std::string& name, const std::string& instance) const;
  // Nodes silent for more than `timeout` seconds are marked not responding; returns their names.
  std::vector<std::string> expire(Time now, Time timeout);

  // Admin state (scontrol update NodeName=... State=...), as restored from the store.
  void restore_admin(const std::map<std::string, NodeAdmin>& saved);

  // A new configuration's nodes, keeping live state. Usage is rebuilt from the jobs that hold
  // resources (`holding`), never carried over: a node that no longer exists or no longer has room
  // for what a running job holds is an error ("file: node X ..."), and nothing changes.
  bool reconfigure(std::vector<Node> configured, const std::vector<const Job*>& holding, const std::string& file,
                   std::vector<std::string>& errors);
  // Rebuilds usage from the jobs that hold resources (start-up, after recovery).
  std::vector<std::string> rebuild_usage(const std::vector<const Job*>& holding);

 private:
  std::vector<Node> nodes_;
  std::unordered_map<std::string, std::size_t> index_;
  std::unordered_map<std::string, std::string> instance_;  // node -> agent instance id
  std::uint64_t generation_ = 1;
  void reindex();
};

}  // namespace sluice

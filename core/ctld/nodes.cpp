#include "core/ctld/nodes.hpp"

#include <sluice/ledger.hpp>

#include "core/ctld/store.hpp"

namespace sluice {

Nodes::Nodes(std::vector<Node> configured) : nodes_(std::move(configured)) {
  for (auto& n : nodes_) clear_allocations(n);
  reindex();
}

void Nodes::reindex() {
  index_.clear();
  for (std::size_t i = 0; i < nodes_.size(); ++i) index_[nodes_[i].name] = i;
}

Node* Nodes::find(const std::string& name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

const Node* Nodes::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

std::string Nodes::take(const std::vector<NodeAlloc>& alloc, Time now) {
  for (const auto& a : alloc) {
    const Node* n = find(a.node);
    if (!n) return "no node \"" + a.node + "\"";
    if (std::string why = alloc_problem(*n, a); !why.empty()) return why;
  }
  for (const auto& a : alloc) {
    Node& n = *find(a.node);
    allocate(n, a);
    n.last_busy = now;
  }
  ++generation_;
  return {};
}

void Nodes::give_back(const std::vector<NodeAlloc>& alloc, Time now) {
  for (const auto& a : alloc) {
    if (Node* n = find(a.node)) {
      release(*n, a);
      n->last_busy = now;
    }
  }
  ++generation_;
}

void Nodes::registered(const std::string& name, const std::string& instance, Time now) {
  Node& n = *find(name);
  n.responding = true;
  n.last_seen = now;
  instance_[name] = instance;
  ++generation_;
}

bool Nodes::heartbeat_known(const std::string& name, const std::string& instance) const {
  const Node* n = find(name);
  auto it = instance_.find(name);
  return n && n->responding && it != instance_.end() && it->second == instance;
}

std::vector<std::string> Nodes::expire(Time now, Time timeout) {
  std::vector<std::string> out;
  for (auto& n : nodes_) {
    if (n.responding && now - n.last_seen > timeout) {
      n.responding = false;
      out.push_back(n.name);
    }
  }
  if (!out.empty()) ++generation_;
  return out;
}

void Nodes::restore_admin(const std::map<std::string, NodeAdmin>& saved) {
  for (const auto& [name, a] : saved) {
    if (Node* n = find(name)) {
      n->drain = a.drain;
      n->down_admin = a.down;
      n->reason = a.reason;
      n->reason_user = a.user;
      n->reason_time = a.time;
    }
  }
}

std::vector<std::string> Nodes::rebuild_usage(const std::vector<const Job*>& holding) {
  std::vector<std::string> errors;
  for (auto& n : nodes_) clear_allocations(n);
  for (const Job* j : holding) {
    for (const auto& a : j->alloc) {
      Node* n = find(a.node);
      if (!n) {
        errors.push_back("node " + a.node + " removed while job " + std::to_string(j->id) + " runs on it");
        continue;
      }
      if (std::string why = alloc_problem(*n, a); !why.empty())
        errors.push_back(why + " while job " + std::to_string(j->id) + " holds it");
      allocate(*n, a);
    }
  }
  ++generation_;
  return errors;
}

bool Nodes::reconfigure(std::vector<Node> configured, const std::vector<const Job*>& holding, const std::string& file,
                        std::vector<std::string>& errors) {
  for (auto& n : configured) {
    if (const Node* old = find(n.name)) {
      Node keep = *old;
      keep.cpus = n.cpus;
      keep.mem_mb = n.mem_mb;
      keep.gpus = n.gpus;
      keep.partitions = n.partitions;
      keep.features = n.features;
      keep.weight = n.weight;
      n = std::move(keep);
    }
  }
  Nodes next(std::move(configured));  // usage cleared: rebuilt below from the jobs
  const std::size_t before = errors.size();
  for (auto& e : next.rebuild_usage(holding)) errors.push_back(file + ": " + e);
  if (errors.size() != before) return false;
  next.instance_ = std::move(instance_);
  next.generation_ = generation_ + 1;
  *this = std::move(next);
  return true;
}

}  // namespace sluice

// partition/partition: routes a submission to its partition (the default when none is named),
// applies the partition's time defaults and limits, checks access, and tells squeue why a job
// must wait on partition grounds.
//
// Options ([plugins.partition.options]):
//   enforce_limits = true   reject at submission a job that breaks a partition limit (time, node
//                           count, GPUs). false: accept it and keep it pending with a reason
//                           such as PartitionTimeLimit (Slurm's EnforcePartLimits=NO).
#include <sluice/export.hpp>
#include <sluice/options.hpp>
#include <sluice/partition.hpp>

#include <algorithm>
#include <grp.h>

namespace sluice {
namespace {

constexpr const char* kName = "partition/partition";

bool member(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

class PartitionPlugin final : public PartitionPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    OptionReader r(options, prefix, errors);
    r.only({"enforce_limits"});
    r.get("enforce_limits", enforce_);
    return errors.empty();
  }

  Status admit(Job& job, const ClusterView& cluster) override {
    const Partition* p = job.spec.partition.empty() ? cluster.default_partition() : cluster.partition(job.spec.partition);
    if (!p) return Status::reject("Invalid partition name specified");
    job.spec.partition = p->name;
    if (!p->allow_users.empty() && !member(p->allow_users, job.user) &&
        !(p->allow_groups.size() && member(p->allow_groups, job.group)))
      return Status::reject("Access/permission denied");
    if (p->allow_users.empty() && !p->allow_groups.empty() && !member(p->allow_groups, job.group))
      return Status::reject("User's group not permitted to use this partition");
    if (job.spec.time_limit == kNoValue) job.spec.time_limit = p->default_time != kNoValue ? p->default_time : p->max_time;
    if (enforce_) {
      if (Status s = gate(job, cluster); s.code != Code::Ok) {
        if (s.reason == "PartitionTimeLimit")
          return Status::reject("Requested time limit is invalid (missing or exceeds some limit)");
        if (s.reason == "PartitionNodeLimit") return Status::reject("Node count specification invalid");
        if (s.reason == "PartitionGpuLimit")
          return Status::reject("Requested GPU count exceeds the partition limit (" +
                                std::to_string(p->max_gpus_per_job) + ")");
      }
    }
    return Status::ok();
  }

  Status gate(const Job& job, const ClusterView& cluster) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p) return Status::unschedulable("PartitionDown");
    if (!p->up) return Status::unschedulable("PartitionInactive");
    const Time t = job.spec.time_limit;
    if (p->max_time != kUnlimited && (t == kUnlimited || t > p->max_time))
      return Status::unschedulable("PartitionTimeLimit");
    if (p->max_nodes && job.spec.nodes > p->max_nodes) return Status::unschedulable("PartitionNodeLimit");
    if (p->nodes.size() < job.spec.nodes) return Status::unschedulable("PartitionNodeLimit");
    const std::uint32_t gpus = std::max(job.spec.gpus, job.spec.gpus_per_node * job.spec.nodes);
    if (p->max_gpus_per_job && gpus > p->max_gpus_per_job) return Status::unschedulable("PartitionGpuLimit");
    return Status::ok();
  }

 private:
  bool enforce_ = true;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::PartitionPlugin)

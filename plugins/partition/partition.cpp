// partition/partition: routes a submission to its partition (the default when none is named),
// applies the partition's time defaults and limits, checks access, and tells squeue why a job
// must wait on partition grounds.
//
// Options ([plugins.partition.options]):
//   enforce_limits = true      reject at submission a job that breaks a partition limit (time, node
//                              count, GPUs). false: accept it and keep it pending with a reason
//                              such as PartitionTimeLimit (Slurm's EnforcePartLimits=NO).
//   over_time_limit = "refuse" what a time limit (-t) over the partition's max_time gets: "refuse"
//                              (the limit check above), or "clip": lowered to max_time at submission.
// A --time-min over max_time is refused whatever the options say, as Slurm refuses it.
#include <grp.h>

#include <algorithm>
#include <cerrno>
#include <sluice/export.hpp>
#include <sluice/options.hpp>
#include <sluice/partition.hpp>
#include <string>
#include <vector>

namespace sluice {
namespace {

constexpr const char* kName = "partition/partition";

bool member(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Group membership comes from glibc's name service here, not from core/users: plugins link only the
// SDK (headers, no core library), and the controller and plugin host that load this library are
// dynamically linked, where NSS is safe. A lookup helper in the SDK would put NSS code under the
// ABI guard for one caller; see docs/ARCHITECTURE.md ("Identity").
//
// The name of group `gid`, empty when NSS does not know it.
std::string group_name(gid_t gid) {
  std::vector<char> buf(1024);
  group gr;
  group* found = nullptr;
  int rc;
  while ((rc = getgrgid_r(gid, &gr, buf.data(), buf.size(), &found)) == ERANGE) buf.resize(buf.size() * 2);
  return rc == 0 && found ? found->gr_name : "";
}

// Whether the job's user belongs to one of `groups`: its primary group (the name it came with, or
// its gid), or a supplementary group NSS knows for the user.
bool in_groups(const JobView& job, const std::vector<std::string>& groups) {
  if (member(groups, job.group)) return true;
  std::vector<gid_t> gids(32);
  int count = static_cast<int>(gids.size());
  while (getgrouplist(job.user.c_str(), job.gid, gids.data(), &count) < 0) {
    gids.resize(std::max<std::size_t>(count, gids.size() * 2));
    count = static_cast<int>(gids.size());
  }
  gids.resize(count);
  return std::any_of(gids.begin(), gids.end(), [&](gid_t g) { return member(groups, group_name(g)); });
}

class PartitionPlugin final : public PartitionPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    OptionReader r(options, prefix, errors);
    r.only({"enforce_limits", "over_time_limit"});
    r.get("enforce_limits", enforce_);
    std::string over = "refuse";
    if (r.get("over_time_limit", over) && over != "refuse" && over != "clip")
      r.error(options.get("over_time_limit"), "over_time_limit",
              "must be \"refuse\" or \"clip\" (got \"" + over + "\")");
    clip_ = over == "clip";
    return errors.empty();
  }

  Status admit(const JobView& submitted, const ClusterView& cluster, Admission& out) override {
    const Partition* p = out.partition.empty() ? cluster.default_partition() : cluster.partition(out.partition);
    if (!p) return Status::reject("Invalid partition name specified");
    out.partition = p->name;
    if (out.time_limit == kNoValue) out.time_limit = p->default_time != kNoValue ? p->default_time : p->max_time;
    if (clip_ && over_max_time(out.time_limit, *p)) out.time_limit = p->max_time;
    JobView job = submitted;  // as it will be admitted, for the limit checks
    job.spec.partition = out.partition;
    job.spec.time_limit = out.time_limit;
    if (!p->allow_users.empty() && !member(p->allow_users, job.user) &&
        !(p->allow_groups.size() && in_groups(job, p->allow_groups)))
      return Status::reject("Access/permission denied");
    if (p->allow_users.empty() && !p->allow_groups.empty() && !in_groups(job, p->allow_groups))
      return Status::reject("User's group not permitted to use this partition");
    if (enforce_) {
      const std::string why = over_limit(job, *p);
      if (why == "PartitionTimeLimit")
        return Status::reject("Requested time limit is invalid (missing or exceeds some limit)");
      if (why == "PartitionNodeLimit") return Status::reject("Node count specification invalid");
      if (why == "PartitionGpuLimit")
        return Status::reject("Requested GPU count exceeds the partition limit (" +
                              std::to_string(p->max_gpus_per_job) + ")");
    }
    // Slurm refuses a --time-min over the partition's MaxTime whatever EnforcePartLimits says.
    if (job.spec.time_min != kNoValue && over_max_time(job.spec.time_min, *p))
      return Status::reject("Invalid time-min specification (exceeds job's time or other limits)");
    return Status::ok();
  }

  Status gate(const JobView& job, const ClusterView& cluster) override {
    const Partition* p = cluster.partition(job.spec.partition);
    if (!p || !p->up) return Status::unschedulable("PartitionDown");
    const std::string why = over_limit(job, *p);
    return why.empty() ? Status::ok() : Status::unschedulable(why);
  }

 private:
  // Whether `t` (seconds or kUnlimited) is longer than the partition allows.
  static bool over_max_time(Time t, const Partition& p) {
    return p.max_time != kUnlimited && (t == kUnlimited || t > p.max_time);
  }

  // The pending reason for a job that breaks a limit of `p`, else empty. A DOWN partition still
  // accepts jobs (they wait), so admission checks limits whatever the partition's state.
  static std::string over_limit(const JobView& job, const Partition& p) {
    if (over_max_time(job.spec.time_limit, p)) return "PartitionTimeLimit";
    if (p.max_nodes && job.spec.nodes > p.max_nodes) return "PartitionNodeLimit";
    if (p.nodes.size() < job.spec.nodes) return "PartitionNodeLimit";
    const std::uint64_t gpus =
        std::max<std::uint64_t>(job.spec.gpus, std::uint64_t{job.spec.gpus_per_node} * job.spec.nodes);
    if (p.max_gpus_per_job && gpus > p.max_gpus_per_job) return "PartitionGpuLimit";
    return "";
  }

  bool enforce_ = true;
  bool clip_ = false;  // over_time_limit = "clip"
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::PartitionPlugin)

// partition/max_gpus: routes each submission to its partition (the default one when it names none),
// gives it the partition's default time limit, and refuses any job asking for more than `max_gpus`
// GPUs in total.
//
// Options ([plugins.partition.options]):
//   max_gpus   required, integer >= 0: the most GPUs one job may use (0: CPU jobs only).
#include <algorithm>
#include <cstdint>
#include <sluice/export.hpp>
#include <sluice/options.hpp>
#include <sluice/partition.hpp>
#include <string>
#include <vector>

namespace {

constexpr const char* kName = "partition/max_gpus";

class MaxGpusPartition final : public sluice::PartitionPolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const sluice::Context&, const toml::table& options, const std::string& prefix,
                 std::vector<sluice::ConfigError>& errors) override {
    const std::size_t before = errors.size();
    sluice::OptionReader reader(options, prefix, errors);
    reader.only({"max_gpus"});
    if (!options.contains("max_gpus"))
      reader.error(nullptr, "max_gpus", "required");
    else if (reader.get("max_gpus", max_gpus_) && max_gpus_ < 0)
      reader.error(options.get("max_gpus"), "max_gpus", "must be >= 0");
    return errors.size() == before;
  }

  sluice::Status admit(const sluice::JobView& job, const sluice::ClusterView& cluster,
                       sluice::Admission& out) override {
    const sluice::Partition* p = out.partition.empty() ? cluster.default_partition() : cluster.partition(out.partition);
    if (!p) return sluice::Status::reject("Invalid partition name specified");
    out.partition = p->name;
    if (out.time_limit == sluice::kNoValue)
      out.time_limit = p->default_time != sluice::kNoValue ? p->default_time : p->max_time;
    const std::int64_t gpus =
        std::max<std::int64_t>(job.spec.gpus, std::int64_t{job.spec.gpus_per_node} * job.spec.nodes);
    if (gpus > max_gpus_)
      return sluice::Status::reject("Requested " + std::to_string(gpus) + " GPUs, more than the " +
                                    std::to_string(max_gpus_) + " one job may use on this cluster");
    return sluice::Status::ok();
  }

  sluice::Status gate(const sluice::JobView& job, const sluice::ClusterView& cluster) override {
    const sluice::Partition* p = cluster.partition(job.spec.partition);
    if (!p) return sluice::Status::unschedulable("PartitionDown");
    return p->up ? sluice::Status::ok() : sluice::Status::unschedulable("PartitionInactive");
  }

 private:
  std::int64_t max_gpus_ = 0;
};

}  // namespace

SLUICE_PLUGIN(MaxGpusPartition)

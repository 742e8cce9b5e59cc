// requeue/requeue: what the end of a job's run means, as Slurm decides it with --requeue /
// --no-requeue, JobRequeue and MaxBatchRequeue: back to PENDING under the same id (Requeue), held
// after too many restarts (Hold, reason JobHoldMaxRequeue), or final (Finalize).
//
// The controller asks once per run that ends PREEMPTED (preempted in requeue mode), NODE_FAIL,
// TIMEOUT, FAILED or OUT_OF_MEMORY. A job is requeued when all of these hold:
//   - it is a batch job (sbatch); an interactive srun is never requeued;
//   - its --requeue flag says so: --requeue yes, --no-requeue no, neither: `requeue_default`;
//   - the state its run ended in is listed in `requeue_on`.
// Such a job that was requeued `max_restarts` times already is held instead (JobHoldMaxRequeue).
//
// Options ([plugins.requeue.options]); README.md has the full table:
//   requeue_default = true                      jobs without --requeue/--no-requeue (JobRequeue=1)
//   requeue_on = ["preempted", "node_fail"]     the end states that requeue
//   max_restarts = 5                            restarts before a hold (MaxBatchRequeue)
//   delay = 5                                   seconds before a requeued job is eligible again
//   pin = "gpu_type"                            "none" | "gpu_type" | "node": what the next run keeps
//   append_output = true                        the next run appends to the output files
#include <algorithm>
#include <cstdint>
#include <optional>
#include <sluice/export.hpp>
#include <sluice/options.hpp>
#include <sluice/requeue.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {
namespace {

constexpr const char* kName = "requeue/requeue";

// The end states an option may list, by their names in requeue_on.
struct EndState {
  std::string_view name;
  JobState state;
};
constexpr EndState kEndStates[] = {
    {"preempted", JobState::Preempted}, {"node_fail", JobState::NodeFail},        {"timeout", JobState::Timeout},
    {"failed", JobState::Failed},       {"out_of_memory", JobState::OutOfMemory},
};

std::optional<JobState> end_state(std::string_view name) {
  for (const EndState& e : kEndStates)
    if (e.name == name) return e.state;
  return std::nullopt;
}

std::string type_name(const toml::node& v) {
  return std::string(toml::impl::node_type_friendly_names[static_cast<int>(v.type())]);
}

// Reads requeue_on: an array of distinct end state names (kEndStates). Leaves `out` as it is when
// the key is absent.
void read_requeue_on(const toml::table& options, OptionReader& r, std::vector<JobState>& out) {
  const toml::node* n = options.get("requeue_on");
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) return r.error(n, "requeue_on", "expected array of strings, got " + type_name(*n));
  out.clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string key = "requeue_on[" + std::to_string(i) + "]";
    const auto* s = (*a)[i].as_string();
    if (!s) {
      r.error(&(*a)[i], key, "expected string, got " + type_name((*a)[i]));
      continue;
    }
    const std::optional<JobState> state = end_state(s->get());
    if (!state) {
      r.error(&(*a)[i], key,
              "must be one of \"preempted\", \"node_fail\", \"timeout\", \"failed\", \"out_of_memory\" (got \"" +
                  s->get() + "\")");
    } else if (std::ranges::find(out, *state) != out.end()) {
      r.error(&(*a)[i], key, "\"" + s->get() + "\" listed twice");
    } else {
      out.push_back(*state);
    }
  }
}

class Requeue final : public RequeuePolicy {
 public:
  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    const std::size_t before = errors.size();
    OptionReader r(options, prefix, errors);
    r.only({"requeue_default", "requeue_on", "max_restarts", "delay", "pin", "append_output"});
    r.get("requeue_default", requeue_default_);
    read_requeue_on(options, r, requeue_on_);
    r.get("max_restarts", max_restarts_);  // uint32: a negative value is "must be >= 0 (got -1)"
    if (r.get("delay", delay_) && delay_ < 0)
      r.error(options.get("delay"), "delay", "must be >= 0 (got " + std::to_string(delay_) + ")");
    std::string pin = "gpu_type";
    if (r.get("pin", pin)) {
      if (pin == "none")
        pin_ = RequeuePin::None;
      else if (pin == "gpu_type")
        pin_ = RequeuePin::GpuType;
      else if (pin == "node")
        pin_ = RequeuePin::Node;
      else
        r.error(options.get("pin"), "pin", "must be \"none\", \"gpu_type\" or \"node\" (got \"" + pin + "\")");
    }
    r.get("append_output", append_output_);
    return errors.size() == before;
  }

  Status on_end(const JobView& ended, const ClusterView&, RequeueDecision& out) override {
    out = RequeueDecision{};
    if (!requeues(ended)) return Status::ok();
    out.action = ended.restarts >= max_restarts_ ? EndAction::Hold : EndAction::Requeue;
    if (out.action == EndAction::Hold) out.reason = "JobHoldMaxRequeue";
    out.pin = pin_;
    out.delay = delay_;
    out.append_output = append_output_;
    return Status::ok();
  }

 private:
  // Whether the run that ended would be requeued, restart limit aside.
  bool requeues(const JobView& job) const {
    if (!job.spec.batch) return false;
    if (job.spec.requeue == RequeueFlag::NoRequeue) return false;
    if (job.spec.requeue == RequeueFlag::Unset && !requeue_default_) return false;
    return std::ranges::find(requeue_on_, job.state) != requeue_on_.end();
  }

  bool requeue_default_ = true;
  std::vector<JobState> requeue_on_ = {JobState::Preempted, JobState::NodeFail};
  std::uint32_t max_restarts_ = 5;
  Time delay_ = 5;
  RequeuePin pin_ = RequeuePin::GpuType;
  bool append_output_ = true;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::Requeue)

// Extension point "launch" (node side): rewrite a job step's command line and environment before
// the node agent executes it, e.g. to wrap it in a container.
#pragma once
#include <sluice/plugin.hpp>

namespace sluice {

struct LaunchStep {
  std::vector<std::string> argv;  // what will be executed (argv[0] searched in PATH)
  std::vector<std::string> env;   // "K=V"
  std::string workdir;
};

class LaunchPolicy : public Plugin {
 public:
  static constexpr const char* kPoint = "launch";
  // Node side, just before the step starts. Ok: `step` (possibly rewritten) is executed.
  // Reject: the job fails with `message` (the node stays up).
  virtual Status prepare(const JobView& job, const Node& node, LaunchStep& step) = 0;
  // Controller side, when a job is submitted (`job.spec` as the CLI sent it, `job.uid`/`job.user`
  // the submitter; no allocation yet). Reject: the submission is refused, the CLI prints
  // `<cmd>: error: <message>` and exits 1, so a job that could only fail at launch (an image outside
  // the allowed directories, an unknown --container-mode) never waits in the queue. The default
  // accepts everything. The controller loads the same [plugins.launch] the nodes load.
  virtual Status check_submit(const JobView& job) {
    (void)job;
    return Status::ok();
  }
};

}  // namespace sluice

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
  // Ok: `step` (possibly rewritten) is executed. Reject: the job fails with `message`.
  virtual Status prepare(const JobView& job, const Node& node, LaunchStep& step) = 0;
};

}  // namespace sluice

// launch/launch_singularity: the node-side launch plugin for jobs that run Singularity or Apptainer
// themselves (`srun singularity exec x.sif cmd`, `srun --pty singularity shell x.sif`).
//
// What it does to a step whose program is one of `runtimes` (by its base name) and whose
// subcommand starts a container (exec, run, shell, test):
//   - the job holds GPUs on this node but the command lacks --nv (or --nvccli): with nv = "add"
//     --nv is added after the subcommand, since the user guide says GPU jobs must always use it;
//     with nv = "warn" the step first writes a warning to its stderr; with nv = "off" nothing;
//   - each path of `binds` is added as --bind PATH after the subcommand;
//   - the job's GPU binding reaches the container even under --cleanenv: CUDA_VISIBLE_DEVICES and
//     CUDA_DEVICE_ORDER are also exported as SINGULARITYENV_* and APPTAINERENV_*.
// A job without GPUs keeps its command as written (only binds apply). Batch scripts are not
// rewritten: the plugin sees the script, not the commands inside it.
//
// Options ([plugins.launch.options]):
//   runtimes = ["singularity", "apptainer"]   program names that are container runtimes
//   nv = "add"                                 "add" | "warn" | "off"
//   binds = []                                 paths bound into every container ("/scratch")
#include <algorithm>
#include <sluice/export.hpp>
#include <sluice/launch.hpp>
#include <sluice/options.hpp>
#include <string>
#include <vector>

namespace sluice {
namespace {

constexpr std::string_view kName = "launch/launch_singularity";
constexpr const char* kContainerCommands[] = {"exec", "run", "shell", "test"};

std::string type_name(const toml::node& v) {
  return std::string(toml::impl::node_type_friendly_names[static_cast<int>(v.type())]);
}

// Reads an array of non-empty strings; leaves `out` as it is when the key is absent.
void read_strings(const toml::table& options, OptionReader& r, const char* key, std::vector<std::string>& out) {
  const toml::node* n = options.get(key);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) return r.error(n, key, "expected array of strings, got " + type_name(*n));
  out.clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
    const auto* s = (*a)[i].as_string();
    if (!s)
      r.error(&(*a)[i], at, "expected string, got " + type_name((*a)[i]));
    else if (s->get().empty())
      r.error(&(*a)[i], at, "must not be empty");
    else
      out.push_back(s->get());
  }
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The value of "K=V" in env, or nullptr.
const std::string* env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return &e;
  return nullptr;
}

class LaunchSingularity final : public LaunchPolicy {
 public:
  enum class Nv : std::uint8_t { Add, Warn, Off };

  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    const std::size_t before = errors.size();
    OptionReader r(options, prefix, errors);
    r.only({"runtimes", "nv", "binds"});
    read_strings(options, r, "runtimes", runtimes_);
    if (options.get("runtimes") && runtimes_.empty() && errors.size() == before)
      r.error(options.get("runtimes"), "runtimes", "must name at least one program");
    std::string nv = "add";
    if (r.get("nv", nv)) {
      if (nv == "add")
        nv_ = Nv::Add;
      else if (nv == "warn")
        nv_ = Nv::Warn;
      else if (nv == "off")
        nv_ = Nv::Off;
      else
        r.error(options.get("nv"), "nv", "must be \"add\", \"warn\" or \"off\" (got \"" + nv + "\")");
    }
    read_strings(options, r, "binds", binds_);
    return errors.size() == before;
  }

  Status prepare(const JobView& job, const Node& node, LaunchStep& step) override {
    if (job.spec.batch || step.argv.empty()) return Status::ok();
    const std::string program = base_name(step.argv.front());
    if (std::ranges::find(runtimes_, program) == runtimes_.end()) return Status::ok();
    // The subcommand: the first argument that is not a global option ("singularity -q exec ...").
    std::size_t sub = 1;
    while (sub < step.argv.size() && step.argv[sub].starts_with('-')) ++sub;
    if (sub >= step.argv.size() ||
        std::ranges::none_of(kContainerCommands, [&](const char* c) { return step.argv[sub] == c; }))
      return Status::ok();
    std::vector<std::string> added;
    for (const auto& b : binds_) added.insert(added.end(), {"--bind", b});
    const bool gpus =
        std::ranges::any_of(job.alloc, [&](const NodeAlloc& a) { return a.node == node.name && !a.gpus.empty(); });
    bool warn = false;
    if (gpus) {
      // Options of the subcommand come before the image: look for --nv among them.
      bool has_nv = false;
      for (std::size_t i = sub + 1; i < step.argv.size() && step.argv[i].starts_with('-'); ++i)
        has_nv = has_nv || step.argv[i] == "--nv" || step.argv[i] == "--nvccli";
      if (!has_nv && nv_ == Nv::Add) added.insert(added.begin(), "--nv");
      warn = !has_nv && nv_ == Nv::Warn;
      for (const char* key : {"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"}) {
        const std::string* found = env_value(step.env, key);
        if (!found) continue;
        const std::string kv = *found;  // a copy: the pushes below may move step.env
        for (const char* prefix : {"SINGULARITYENV_", "APPTAINERENV_"}) step.env.push_back(prefix + kv);
      }
    }
    step.argv.insert(step.argv.begin() + static_cast<std::ptrdiff_t>(sub) + 1, added.begin(), added.end());
    if (warn) {
      const std::string text = program + " " + step.argv[sub] +
                               ": warning: this job holds GPUs but the command lacks --nv; the container will not "
                               "see them (add --nv)";
      step.argv.insert(step.argv.begin(), {"/bin/sh", "-c", "printf '%s\\n' \"$0\" >&2; exec \"$@\"", text});
    }
    return Status::ok();
  }

 private:
  std::vector<std::string> runtimes_ = {"singularity", "apptainer"};
  Nv nv_ = Nv::Add;
  std::vector<std::string> binds_;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::LaunchSingularity)

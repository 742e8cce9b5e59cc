// launch/launch_singularity: the node-side launch plugin for container jobs: jobs submitted with
// --container=IMAGE, which it runs inside the image, and jobs that run Singularity or Apptainer
// themselves (`srun singularity exec x.sif cmd`, `srun --pty singularity shell x.sif`).
//
// A job submitted with --container=IMAGE [--container-mode=exec|run|shell] (srun steps and batch
// scripts alike) runs as
//   <runtime> <mode> [--nv] [--bind B]... [flags...] IMAGE [command...]
// with --nv when the job holds GPUs on this node, a --bind for each of `binds` and, for a batch job,
// for the directory holding its script; no command after IMAGE in shell mode. The runtime must be
// on the node: otherwise the launch is refused, naming the program and the node. At submission
// (check_submit, in sluicectld) an image outside `image_dirs`, a relative image path, an unknown
// mode and shell mode with a command or for a batch job are refused.
//
// What it does to a step whose program is one of `runtimes` (by its base name) and whose
// subcommand starts a container (exec, run, shell, test):
//   - the job holds GPUs on this node but the command lacks --nv (or --nvccli): with nv = "add"
//     --nv is added after the subcommand, since the user guide says GPU jobs must always use it;
//     with nv = "warn" the step first writes a warning to its stderr; with nv = "off" nothing;
//   - each path of `binds` is added as --bind PATH after the subcommand.
// A job without GPUs keeps its command as written (only binds apply). Batch scripts without
// --container are not rewritten: the plugin sees the script, not the commands inside it.
//
// For both kinds, the job's GPU binding reaches the container even under --cleanenv:
// CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER are also exported as SINGULARITYENV_* and
// APPTAINERENV_*; for --container jobs so is each variable named in `env`.
//
// Options ([plugins.launch.options]):
//   runtimes = ["singularity", "apptainer"]   program names that are container runtimes
//   nv = "add"                                 "add" | "warn" | "off"
//   binds = []                                 paths bound into every container ("/scratch")
//   runtime = "singularity"                    the program --container jobs run: a name looked up
//                                              in the job's PATH, or an absolute path
//   image_dirs = []                            directories --container images must lie in; empty: any
//   env = []                                   job variables passed into --container containers
//   flags = []                                 runtime flags for every --container container
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <sluice/export.hpp>
#include <sluice/launch.hpp>
#include <sluice/options.hpp>
#include <string>
#include <vector>

namespace sluice {
namespace {

constexpr std::string_view kName = "launch/launch_singularity";
constexpr const char* kContainerCommands[] = {"exec", "run", "shell", "test"};
constexpr const char* kModes[] = {"exec", "run", "shell"};            // --container-mode
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";  // sluiced's, for a job without PATH

std::string type_name(const toml::node& v) {
  return std::string(toml::impl::node_type_friendly_names[static_cast<int>(v.type())]);
}

// Reads an array of non-empty strings; leaves `out` as it is when the key is absent. `check`
// returns why an element is refused ("" when it is fine).
template <class Check>
void read_strings(const toml::table& options, OptionReader& r, const char* key, std::vector<std::string>& out,
                  Check check) {
  const toml::node* n = options.get(key);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) return r.error(n, key, "expected array of strings, got " + type_name(*n));
  out.clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
    const auto* s = (*a)[i].as_string();
    if (!s) {
      r.error(&(*a)[i], at, "expected string, got " + type_name((*a)[i]));
    } else if (s->get().empty()) {
      r.error(&(*a)[i], at, "must not be empty");
    } else if (const std::string why = check(s->get()); !why.empty()) {
      r.error(&(*a)[i], at, why);
    } else {
      out.push_back(s->get());
    }
  }
}
void read_strings(const toml::table& options, OptionReader& r, const char* key, std::vector<std::string>& out) {
  read_strings(options, r, key, out, [](const std::string&) { return std::string(); });
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// "/a/./b/../c/" -> "/a/c": `..` taken lexically, no trailing slash (except for "/").
std::string normal_path(const std::string& path) {
  std::string p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// Whether `path` (normalized) lies below the directory `dir` (normalized).
bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.size() > 1 && path.front() == '/';
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

bool valid_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::ranges::all_of(name, [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

// The "K=V" entry of env for `key`, or nullptr.
const std::string* env_value(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return &e;
  return nullptr;
}

// Sets key=value in env, replacing an entry for `key` (the first of several would win in most programs).
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::erase_if(
      env, [&](const std::string& e) { return e.starts_with(key) && e.size() > key.size() && e[key.size()] == '='; });
  env.push_back(key + "=" + value);
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

class LaunchSingularity final : public LaunchPolicy {
 public:
  enum class Nv : std::uint8_t { Add, Warn, Off };

  std::string_view name() const override { return kName; }

  bool configure(const Context&, const toml::table& options, const std::string& prefix,
                 std::vector<ConfigError>& errors) override {
    const std::size_t before = errors.size();
    OptionReader r(options, prefix, errors);
    r.only({"runtimes", "nv", "binds", "runtime", "image_dirs", "env", "flags"});
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
    if (r.get("runtime", runtime_)) {
      if (runtime_.empty())
        r.error(options.get("runtime"), "runtime", "must not be empty");
      else if (runtime_.find('/') != std::string::npos && runtime_.front() != '/')
        r.error(options.get("runtime"), "runtime",
                "must be a program name (looked up in the job's PATH) or an absolute path (got \"" + runtime_ + "\")");
    }
    read_strings(options, r, "image_dirs", image_dirs_, [](const std::string& d) {
      return d.front() == '/' ? std::string() : "must be an absolute path (got \"" + d + "\")";
    });
    for (auto& d : image_dirs_) d = normal_path(d);
    read_strings(options, r, "env", env_, [](const std::string& v) {
      return valid_env_name(v) ? std::string() : "not a variable name: \"" + v + "\"";
    });
    read_strings(options, r, "flags", flags_);
    return errors.size() == before;
  }

  Status check_submit(const JobView& job) override {
    const std::string why = container_problem(job.spec);
    return why.empty() ? Status::ok() : Status::reject(why);
  }

  Status prepare(const JobView& job, const Node& node, LaunchStep& step) override {
    const bool gpus =
        std::ranges::any_of(job.alloc, [&](const NodeAlloc& a) { return a.node == node.name && !a.gpus.empty(); });
    if (!job.spec.container.empty()) return run_in_container(job, node, gpus, step);
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
    bool warn = false;
    if (gpus) {
      // Options of the subcommand come before the image: look for --nv among them.
      bool has_nv = false;
      for (std::size_t i = sub + 1; i < step.argv.size() && step.argv[i].starts_with('-'); ++i)
        has_nv = has_nv || step.argv[i] == "--nv" || step.argv[i] == "--nvccli";
      if (!has_nv && nv_ == Nv::Add) added.insert(added.begin(), "--nv");
      warn = !has_nv && nv_ == Nv::Warn;
      export_gpu_binding(step.env);
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
  // Why a --container request cannot run under this configuration, or "".
  std::string container_problem(const JobSpec& spec) const {
    if (spec.container.empty()) return "";
    const std::string& mode = spec.container_mode;
    if (!mode.empty() && std::ranges::none_of(kModes, [&](const char* m) { return mode == m; }))
      return "invalid --container-mode \"" + mode + "\" (exec, run or shell)";
    if (spec.container.front() != '/')
      return "--container image must be an absolute path (got \"" + spec.container + "\")";
    if (spec.batch && mode == "shell")
      return "--container-mode=shell starts an interactive shell and runs no script: use srun for it, or exec "
             "or run for a batch job";
    if (mode == "shell" && !spec.argv.empty())
      return "--container-mode=shell starts the image's shell and runs no command (got \"" + spec.argv.front() +
             "\"): use --container-mode=exec to run one";
    if (!image_dirs_.empty()) {
      const std::string image = normal_path(spec.container);
      if (std::ranges::none_of(image_dirs_, [&](const std::string& d) { return inside(image, d); })) {
        std::string dirs;
        for (const auto& d : image_dirs_) dirs += (dirs.empty() ? "" : ", ") + d;
        return "container image " + spec.container + " is not in an allowed image directory (allowed: " + dirs + ")";
      }
    }
    return "";
  }

  // The image's real path must lie in the real path of an allowed directory too: a symbolic link
  // inside an allowed directory may point anywhere. An image that does not exist here is left to
  // the runtime to report.
  std::string resolved_image_problem(const std::string& image) const {
    if (image_dirs_.empty()) return "";
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(image, ec);
    if (ec) return "";
    for (const auto& d : image_dirs_) {
      std::error_code dec;
      const std::filesystem::path dir = std::filesystem::canonical(d, dec);
      if (inside(real.string(), dec ? d : normal_path(dir.string()))) return "";
    }
    return "container image " + image + " resolves to " + real.string() +
           ", which is not in an allowed image directory";
  }

  // Where the runtime is on this node for this job ("" when it is not).
  std::string find_runtime(const std::vector<std::string>& env) const {
    if (runtime_.front() == '/') return executable_file(runtime_) ? runtime_ : "";
    const std::string* path = env_value(env, "PATH");
    std::string dirs = path ? path->substr(5) : kDefaultPath;
    std::size_t pos = 0;
    while (pos <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', pos), dirs.size());
      const std::string dir = dirs.substr(pos, end - pos);
      if (!dir.empty() && executable_file(dir + "/" + runtime_)) return dir + "/" + runtime_;
      pos = end + 1;
    }
    return "";
  }

  // CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER for the container too, so they hold under --cleanenv.
  static void export_gpu_binding(std::vector<std::string>& env) {
    for (const char* key : {"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"}) {
      const std::string* found = env_value(env, key);
      if (!found) continue;
      const std::string value = found->substr(std::strlen(key) + 1);  // a copy: set_env moves env
      for (const char* prefix : {"SINGULARITYENV_", "APPTAINERENV_"}) set_env(env, prefix + std::string(key), value);
    }
  }

  // --container=IMAGE: the step becomes `<runtime> <mode> [--nv] [--bind B]... [flags...] IMAGE cmd...`.
  Status run_in_container(const JobView& job, const Node& node, bool gpus, LaunchStep& step) const {
    if (std::string why = container_problem(job.spec); !why.empty()) return Status::reject(why);
    if (std::string why = resolved_image_problem(job.spec.container); !why.empty()) return Status::reject(why);
    if (find_runtime(step.env).empty())
      return Status::reject(runtime_.front() == '/'
                                ? "the container runtime " + runtime_ + " is not an executable file on node " +
                                      node.name
                                : "the container runtime \"" + runtime_ + "\" is not installed on node " + node.name +
                                      " (not found in the job's PATH)");
    const std::string mode = job.spec.container_mode.empty() ? "exec" : job.spec.container_mode;
    std::vector<std::string> argv = {runtime_, mode};
    const bool flags_nv =
        std::ranges::any_of(flags_, [](const std::string& f) { return f == "--nv" || f == "--nvccli"; });
    if (gpus && nv_ != Nv::Off && !flags_nv) argv.push_back("--nv");
    std::vector<std::string> binds = binds_;
    if (job.spec.batch && !step.argv.empty()) {
      // The script lies in the agent's spool directory: the container must see it to run it.
      const std::string dir = std::filesystem::path(step.argv.front()).parent_path().string();
      if (!dir.empty() && std::ranges::find(binds, dir) == binds.end()) binds.push_back(dir);
    }
    for (const auto& b : binds) argv.insert(argv.end(), {"--bind", b});
    argv.insert(argv.end(), flags_.begin(), flags_.end());
    argv.push_back(job.spec.container);
    if (mode != "shell") argv.insert(argv.end(), step.argv.begin(), step.argv.end());
    step.argv = std::move(argv);
    if (gpus) export_gpu_binding(step.env);
    for (const auto& name : env_) {
      const std::string* found = env_value(step.env, name);
      if (!found) continue;
      const std::string value = found->substr(name.size() + 1);  // a copy: the pushes below may move env
      for (const char* prefix : {"SINGULARITYENV_", "APPTAINERENV_"})
        if (!env_value(step.env, prefix + name)) step.env.push_back(prefix + name + "=" + value);
    }
    return Status::ok();
  }

  std::vector<std::string> runtimes_ = {"singularity", "apptainer"};
  Nv nv_ = Nv::Add;
  std::vector<std::string> binds_;
  std::string runtime_ = "singularity";
  std::vector<std::string> image_dirs_;  // normalized
  std::vector<std::string> env_;
  std::vector<std::string> flags_;
};

}  // namespace
}  // namespace sluice

SLUICE_PLUGIN(sluice::LaunchSingularity)

// sbatch [options] [script [args...]] | sbatch [options] --wrap "command"
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/rpc.hpp"
#include "cli/submit.hpp"
#include "core/slurm/directives.hpp"
#include "core/util/text.hpp"

extern char** environ;

namespace sluice::cli {

namespace {

constexpr const char* kProg = "sbatch";

// sbatch's input environment variables for the options Sluice has, in Slurm's order. A flag
// counts when the variable is set at all, whatever its value.
struct EnvOption {
  const char* var;
  const char* option;
  bool flag;
};
constexpr EnvOption kEnvOptions[] = {
    {"SBATCH_ERROR", "--error", false},         {"SBATCH_EXPORT", "--export", false},
    {"SBATCH_GPUS", "--gpus", false},           {"SBATCH_GPUS_PER_NODE", "--gpus-per-node", false},
    {"SBATCH_GRES", "--gres", false},           {"SBATCH_INPUT", "--input", false},
    {"SBATCH_JOB_NAME", "--job-name", false},   {"SBATCH_MEM_PER_CPU", "--mem-per-cpu", false},
    {"SBATCH_MEM_PER_NODE", "--mem", false},    {"SBATCH_NO_REQUEUE", "--no-requeue", true},
    {"SBATCH_OPEN_MODE", "--open-mode", false}, {"SBATCH_OUTPUT", "--output", false},
    {"SBATCH_PARTITION", "--partition", false}, {"SBATCH_REQUEUE", "--requeue", true},
    {"SBATCH_SIGNAL", "--signal", false},       {"SBATCH_TIMELIMIT", "--time", false},
};

// Slurm's checks of a script read from a file or standard input (not of --wrap scripts), with its
// messages. False when the script is refused.
bool check_script(const std::string& script) {
  if (script.empty()) {
    error(kProg, "Batch script is empty!");
    return false;
  }
  // Slurm tests the text up to the first NUL character.
  if (trim(std::string_view(script.c_str())).empty()) {
    error(kProg, "Batch script contains only whitespace!");
    return false;
  }
  if (!script.starts_with("#!")) {
    error(kProg, "This does not look like a batch script.  The first");
    error(kProg, "line must start with #! followed by the path to an interpreter.");
    error(kProg, "For instance: #!/bin/sh");
    return false;
  }
  if (script.find('\0') != std::string::npos) {
    error(kProg, "The Slurm controller does not allow scripts that");
    error(kProg, "contain a NULL character '\\0'.");
    return false;
  }
  if (script.find("\r\n") != std::string::npos) {
    error(kProg, "Batch script contains DOS line breaks (\\r\\n)");
    error(kProg, "instead of expected UNIX line breaks (\\n).");
    return false;
  }
  return true;
}

}  // namespace

int sbatch(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  // The command line alone first: it names the script (or --wrap), and its errors come first.
  SubmitOptions cmdline;
  if (!parse_submit_options(kProg, args, cmdline)) return cmdline.error_exit;
  const bool wrap = !cmdline.wrap.empty();
  if (wrap && !cmdline.positional.empty()) {
    error(kProg, "script arguments not permitted with --wrap option");
    return 1;
  }
  // The script: --wrap, a file, or standard input.
  std::string script, script_path;
  if (wrap) {
    script = "#!/bin/sh\n# This script was created by sbatch --wrap.\n\n" + cmdline.wrap + "\n";
  } else {
    std::stringstream ss;
    if (!cmdline.positional.empty()) {
      script_path = cmdline.positional[0];
      std::ifstream f(script_path, std::ios::binary);
      if (!f) {
        error(kProg, "Unable to open file " + script_path);
        return 1;
      }
      ss << f.rdbuf();  // nothing read (an empty file, a directory): refused below as empty
    } else {
      if (isatty(0)) std::fprintf(stderr, "sbatch: Reading batch script from standard input.\n");
      ss << std::cin.rdbuf();
    }
    script = ss.str();
    if (!check_script(script)) return 1;
  }

  // Slurm's order: the script's #SBATCH lines, then SBATCH_* variables, then the command line,
  // each parsed on its own, the later overriding the earlier.
  SubmitOptions o;
  const Directives directives = sbatch_directives(script);
  if (!directives.error.empty()) {
    const std::string file = script_path.empty() ? "stdin" : script_path.substr(script_path.rfind('/') + 1);
    std::fprintf(stderr, "sbatch: fatal: %s: %s\n", file.c_str(), directives.error.c_str());
    return 1;
  }
  std::vector<std::string> words = {kProg};
  words.insert(words.end(), directives.words.begin(), directives.words.end());
  if (!parse_submit_options(kProg, words, o)) return o.error_exit;
  if (!o.positional.empty()) {
    error(kProg, "Invalid directive found in batch script: " + o.positional[0]);
    return 255;
  }
  std::vector<std::string> env = {kProg};
  for (const auto& e : kEnvOptions)
    if (const char* v = std::getenv(e.var))
      env.push_back(e.flag ? std::string(e.option) : e.option + ("=" + std::string(v)));
  if (!parse_submit_options(kProg, env, o)) return o.error_exit;
  if (!parse_submit_options(kProg, args, o)) return o.error_exit;

  o.spec.script = script;
  o.spec.batch = true;
  if (o.positional.size() > 1) o.spec.argv.assign(o.positional.begin() + 1, o.positional.end());
  if (!o.name_set) {
    if (wrap)
      o.spec.name = "wrap";
    else if (!script_path.empty())
      o.spec.name = script_path.substr(script_path.rfind('/') + 1);
    else
      o.spec.name = "sbatch";
  }
  finish_spec(o, environ);
  if (!finish_container(kProg, o)) return 1;
  if (!check_utf8(kProg, o)) return 1;

  auto rpc = Rpc::open(kProg);
  if (!rpc) return kExitError;
  Json reply;
  try {
    reply = rpc->call(Submit{o.spec});
  } catch (const RpcError& e) {
    print_submit_error(kProg, "Batch job submission failed: ", e.what(), o.spec.partition);
    return 1;
  }
  const auto id = reply.at("job_id").get<std::uint64_t>();
  if (o.parsable)
    std::printf("%llu\n", static_cast<unsigned long long>(id));
  else if (!o.quiet)
    std::printf("Submitted batch job %llu\n", static_cast<unsigned long long>(id));
  return 0;
}

}  // namespace sluice::cli

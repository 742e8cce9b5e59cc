// sbatch [options] [script [args...]] | sbatch [options] --wrap "command"
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/submit.hpp"
#include "core/util/text.hpp"

extern char** environ;

namespace sluice::cli {

namespace {

// Slurm's checks of a script read from a file or standard input (not of --wrap scripts), with its
// messages. False when the script is refused.
bool check_script(const std::string& script) {
  if (script.empty()) {
    error("sbatch", "Batch script is empty!");
    return false;
  }
  // Slurm tests the text up to the first NUL character.
  if (trim(std::string_view(script.c_str())).empty()) {
    error("sbatch", "Batch script contains only whitespace!");
    return false;
  }
  if (!script.starts_with("#!")) {
    error("sbatch", "This does not look like a batch script.  The first");
    error("sbatch", "line must start with #! followed by the path to an interpreter.");
    error("sbatch", "For instance: #!/bin/sh");
    return false;
  }
  if (script.find('\0') != std::string::npos) {
    error("sbatch", "The Slurm controller does not allow scripts that");
    error("sbatch", "contain a NULL character '\\0'.");
    return false;
  }
  if (script.find("\r\n") != std::string::npos) {
    error("sbatch", "Batch script contains DOS line breaks (\\r\\n)");
    error("sbatch", "instead of expected UNIX line breaks (\\n).");
    return false;
  }
  return true;
}

}  // namespace

int sbatch(int argc, char** argv) {
  const char* prog = "sbatch";
  std::vector<std::string> args(argv, argv + argc);
  SubmitOptions first;
  if (!parse_submit_options(prog, args, first)) return 1;
  // The script: a file, --wrap, or standard input.
  std::string script, script_path;
  if (!first.wrap.empty()) {
    script = "#!/bin/sh\n# This script was created by sbatch --wrap.\n\n" + first.wrap + "\n";
  } else if (!first.positional.empty()) {
    script_path = first.positional[0];
    std::ifstream f(script_path, std::ios::binary);
    if (!f) {
      error(prog, "Unable to open file " + script_path);
      return 1;
    }
    std::stringstream ss;
    ss << f.rdbuf();  // nothing read (an empty file, a directory): refused below as empty
    script = ss.str();
  } else {
    if (isatty(0)) std::fprintf(stderr, "sbatch: Reading batch script from standard input.\n");
    std::stringstream ss;
    ss << std::cin.rdbuf();
    script = ss.str();
  }
  if (first.wrap.empty() && !check_script(script)) return 1;
  // #SBATCH lines first, then the command line, so the command line wins.
  std::vector<std::string> merged = {prog};
  for (auto& d : sbatch_directives(script)) merged.push_back(std::move(d));
  const std::size_t cmdline_opts = args.size() - first.positional.size();
  merged.insert(merged.end(), args.begin() + 1, args.begin() + static_cast<std::ptrdiff_t>(cmdline_opts));
  SubmitOptions o;
  if (!parse_submit_options(prog, merged, o)) return 1;
  if (!first.wrap.empty() && !first.positional.empty()) {
    error(prog, "script arguments not permitted with --wrap option");
    return 1;
  }
  o.spec.script = script;
  o.spec.batch = true;
  if (first.positional.size() > 1) o.spec.argv.assign(first.positional.begin() + 1, first.positional.end());
  if (!o.name_set) {
    if (!first.wrap.empty())
      o.spec.name = "wrap";
    else if (!script_path.empty())
      o.spec.name = script_path.substr(script_path.rfind('/') + 1);
    else
      o.spec.name = "sbatch";
  }
  finish_spec(o, environ);
  if (!check_utf8(prog, o)) return 1;

  auto cfg = load_cli_config(prog);
  if (!cfg) return 1;
  Client client(*cfg);
  Json reply;
  try {
    reply = client.call("submit", {{"spec", o.spec}});
  } catch (const RpcError& e) {
    print_submit_error(prog, "Batch job submission failed: ", e.what(), o.spec.partition);
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

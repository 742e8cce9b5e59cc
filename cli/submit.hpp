// Options shared by sbatch and srun: parsed into a JobSpec the way Slurm parses them.
#pragma once
#include <array>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <vector>

namespace sluice::cli {

struct SubmitOptions {
  JobSpec spec;
  std::string export_mode = "ALL";  // --export
  bool parsable = false;            // sbatch --parsable
  bool quiet = false;
  int verbose = 0;
  bool label = false;  // srun -l
  bool pty = false;    // srun --pty
  // srun -u: output is passed on as the node reads it. Sluice always does that (srun's output is
  // never held back for whole lines), so the flag is accepted for scripts that carry it.
  bool unbuffered = false;
  std::string wrap;  // sbatch --wrap
  bool name_set = false;
  std::optional<std::uint64_t> mem_per_cpu_mb;  // --mem-per-cpu; times -c once all options are in
  std::array<std::string, 3> gpu_types;         // the type -G, --gpus-per-node/--gres, --gpus-per-task named
  std::vector<std::string> positional;          // script and its args / command and its args
  // The exit status a failed parse calls for: 255 where Slurm's option parser exits with -1 (a
  // malformed --time or --time-min, slurm_opt.c), else 1.
  int error_exit = 1;
};

// Parses argv (argv[0] is the program name) into `o`, later options overriding earlier ones and
// those `o` already holds. Stops at the first non-option (the script or command). Prints a
// Slurm-style error and returns false on bad input, with the exit status it calls for in
// o.error_exit. -t/--time and --time-min take Slurm's forms (parse_time_limit), 0 read as
// UNLIMITED; seconds are kept, the controller rounds them up (controller.time_resolution).
bool parse_submit_options(const char* prog, const std::vector<std::string>& args, SubmitOptions& o);

// Fills env, workdir, submit host from the caller's environment (honouring --export) and settles
// options that depend on each other (--mem-per-cpu and -c).
void finish_spec(SubmitOptions& o, char** envp);

// --container: the image made absolute against the current directory and checked here (it must
// exist and be readable), --container-mode only with it. Prints "<prog>: error: ..." and returns
// false when refused.
bool finish_container(const char* prog, SubmitOptions& o);

// The controller keeps text as UTF-8: prints "<prog>: error: <what> is not valid UTF-8: ..." for
// the first field of the finished spec (names, paths, arguments, environment, script) that is not,
// and returns false.
bool check_utf8(const char* prog, const SubmitOptions& o);

// srun's and salloc's channel (core/noded/step_io.hpp): a listening TCP socket on the address
// toward `controller` (or $SLUICE_SRUN_HOST), which the job's node agent connects to; sets
// spec.io_endpoint. Returns the socket, or -1 after printing "<prog>: error: ...".
int listen_for_node(const char* prog, const std::string& controller, JobSpec& spec);

// Slurm prints a more specific line before some submission errors.
void print_submit_error(const char* prog, const std::string& context, const std::string& msg,
                        const std::string& partition);

}  // namespace sluice::cli

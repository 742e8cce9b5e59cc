// sluice: one binary answering to srun, salloc, sbatch, squeue, sinfo, scontrol, scancel, sacct, nodesummary (by
// argv[0]) and to `sluice <command> ...`.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/commands.hpp"

namespace {

struct Command {
  const char* name;
  int (*fn)(int, char**);
};
constexpr Command kCommands[] = {
    {"sbatch", sluice::cli::sbatch},     {"srun", sluice::cli::srun},
    {"squeue", sluice::cli::squeue},     {"sinfo", sluice::cli::sinfo},
    {"scontrol", sluice::cli::scontrol}, {"scancel", sluice::cli::scancel},
    {"sacct", sluice::cli::sacct},       {"nodesummary", sluice::cli::nodesummary},
    {"local", sluice::cli::local},       {"jobstats", sluice::cli::jobstats},
    {"seff", sluice::cli::jobstats},     {"salloc", sluice::cli::salloc},
};

int usage() {
  std::fprintf(stderr,
               "Usage: sluice <command> [options]\n"
               "Commands: sbatch srun salloc squeue sinfo scontrol scancel sacct nodesummary jobstats (seff) local\n"
               "The same commands are available under their own names (srun, sbatch, ...).\n");
  return 1;
}

// Runs a command; an exception that escapes it (a bug: commands report their own errors) becomes
// one error line and exit status 1 rather than an abort.
int run(const Command& c, int argc, char** argv) {
  try {
    return c.fn(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", c.name, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: error: unexpected failure\n", c.name);
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 1) return usage();
  const char* base = std::strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  for (const auto& c : kCommands)
    if (std::strcmp(base, c.name) == 0) return run(c, argc, argv);
  if (argc < 2) return usage();
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-V")) {
    std::printf("sluice %s\n", SLUICE_VERSION);
    return 0;
  }
  for (const auto& c : kCommands)
    if (std::strcmp(argv[1], c.name) == 0) return run(c, argc - 1, argv + 1);
  std::fprintf(stderr, "sluice: unknown command '%s'\n", argv[1]);
  return usage();
}

// The `sluice` multi-call binary: each Slurm command is one function taking its own argv
// (argv[0] is the command name as the user typed it, e.g. "squeue").
#pragma once
#include <string>

namespace sluice::cli {

int sbatch(int argc, char** argv);
int srun(int argc, char** argv);
int salloc(int argc, char** argv);
int squeue(int argc, char** argv);
int sinfo(int argc, char** argv);
int scontrol(int argc, char** argv);
int scancel(int argc, char** argv);
int sacct(int argc, char** argv);
int nodesummary(int argc, char** argv);
int local(int argc, char** argv);     // sluice local up|down
int jobstats(int argc, char** argv);  // sluice jobstats JOBID, seff JOBID (jobstats.cpp)

// "prog: error: msg" on stderr.
void error(const char* prog, const std::string& msg);

}  // namespace sluice::cli

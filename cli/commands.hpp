// The `sluice` multi-call binary: each Slurm command is one function taking its own argv
// (argv[0] is the command name as the user typed it, e.g. "squeue").
#pragma once
#include <memory>
#include <string>

#include "core/config/config.hpp"
#include "core/proto/client.hpp"

namespace sluice::cli {

int sbatch(int argc, char** argv);
int srun(int argc, char** argv);
int squeue(int argc, char** argv);
int sinfo(int argc, char** argv);
int scontrol(int argc, char** argv);
int scancel(int argc, char** argv);
int sacct(int argc, char** argv);
int local(int argc, char** argv);  // sluice local up|down

// Loads the config the CLI uses ($SLUICE_CONF, else /etc/sluice/sluice.toml): only what a client
// needs, so that a mistake elsewhere in the file (a partition, a node) does not stop the commands
// (load_client_config). On failure prints "<prog>: error: ..." lines and returns nullptr.
std::shared_ptr<const Config> load_cli_config(const char* prog);

// Calls the controller; on failure prints "<prog>: error: <context><message>" and returns nullopt.
// `context` is e.g. "Batch job submission failed: ".
std::optional<Json> call(Client& c, const char* prog, const std::string& type, const Json& body,
                         const std::string& context = "");

// "prog: error: msg" on stderr.
void error(const char* prog, const std::string& msg);

}  // namespace sluice::cli

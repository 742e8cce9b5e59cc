// The controller's request handlers, one per message type; controller.cpp's table says who may
// send each. A handler changes state through CtlState (job events, the node ledger), queues writes
// and replies, and never blocks. Malformed bodies throw (nlohmann::json errors); the loop turns
// that into an error reply.
#pragma once
#include "core/ctld/state.hpp"

namespace sluice {

using Handler = void (*)(CtlState&, const Request&, const Json&);

// Slurm's ESLURM_INVALID_TIME_MIN_LIMIT: a --time-min longer than the job's time limit or its
// partition's max_time.
inline constexpr const char* kInvalidTimeMin = "Invalid time-min specification (exceeds job's time or other limits)";

// --container without a launch plugin: nothing would start the container, and the job would run
// outside the image it asked for.
inline constexpr const char* kNoContainers =
    "--container is not supported on this cluster (no launch plugin is configured)";

// srun --container-mode=run|shell may come without a command: the image's runscript or shell.
inline bool image_has_command(const JobSpec& spec) {
  return !spec.container.empty() && (spec.container_mode == "run" || spec.container_mode == "shell");
}

// Clients (requests.cpp).
void on_ping(CtlState& s, const Request& r, const Json& body);
void on_submit(CtlState& s, const Request& r, const Json& body);  // sbatch, srun
// srun inside an allocation (steps.cpp): a job step launched on the allocation's first node.
// Errors are Slurm's texts ("Invalid job id specified", "Access/permission denied", ...).
void on_step(CtlState& s, const Request& r, const Json& body);
void on_jobs(CtlState& s, const Request& r, const Json& body);             // squeue, scontrol show job
void on_nodes(CtlState& s, const Request& r, const Json& body);            // sinfo, scontrol show node/partition
void on_cancel(CtlState& s, const Request& r, const Json& body);           // scancel
void on_hold_request(CtlState& s, const Request& r, const Json& body);     // scontrol hold
void on_release_request(CtlState& s, const Request& r, const Json& body);  // scontrol release
void on_requeue(CtlState& s, const Request& r, const Json& body);          // scontrol requeue, requeuehold
void on_update_node(CtlState& s, const Request& r, const Json& body);      // scontrol update NodeName=
void on_acct(CtlState& s, const Request& r, const Json& body);             // sacct
// scontrol update JobId= (update_job.cpp): the job's owner may lower its time limit, raise a pending
// job's up to its partition's max_time; admins may set any. Errors are Slurm's texts.
void on_update_job(CtlState& s, const Request& r, const Json& body);

// A job as the caller of `r` submits `spec`: the caller's uid, gid, user and group names, submit
// and eligible time now, reason "None", at least one task per node (-n below -N), and its time
// limit and --time-min rounded up to controller.time_resolution (round_up_limit). The id is
// left for the caller to assign. Used by submissions and by scontrol whatif --job.
Job job_from_request(const CtlState& s, const Request& r, JobSpec spec);

// What is loaded for each configured extension point: {"select": {"library", "isolate", "name",
// "path"}, ...} ("name" and "path" for controller-side points; node-side ones are loaded by the
// agents). Sent with ping and reconfigure replies (scontrol show config, scontrol reconfigure).
Json loaded_plugins(const CtlState& s);

// Administration (reconfig.cpp).
void on_reconfigure(CtlState& s, const Request& r, const Json& body);  // scontrol reconfigure
void on_whatif(CtlState& s, const Request& r, const Json& body);       // scontrol whatif -f FILE
// Re-reads the config file and swaps config and plugins in whole; on any error nothing changes and
// `errors` says why (SIGHUP and on_reconfigure).
void reconfigure(CtlState& s, std::vector<std::string>& errors);

// Node agents (agents.cpp); Request::node names the node.
void on_register(CtlState& s, const Request& r, const Json& body);
void on_heartbeat(CtlState& s, const Request& r, const Json& body);
void on_job_started(CtlState& s, const Request& r, const Json& body);
void on_job_ended(CtlState& s, const Request& r, const Json& body);
// Once a second: silent nodes go DOWN, unconfirmed launches are resent, old finished jobs leave memory.
void tick(CtlState& s);

}  // namespace sluice

// The wire protocol: versioned JSON messages over ZeroMQ, and the model's JSON form (the same
// form is stored in SQLite and printed by `squeue --json`).
//
// Envelope: {"v": 1, "type": "<type>", "cred": "<credential>", "body": {...}}
// Replies:  {"v": 1, "type": "reply", "ok": true, "body": {...}} or {"ok": false, "error": "..."}
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>

#include "core/model/job.hpp"

namespace sluice {

using Json = nlohmann::json;
inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxMessageBytes = 16 << 20;

struct Message {
  std::string type;
  Json body = Json::object();
  std::string cred;
};

std::string encode(const Message& m);
// Rejects anything that is not a well-formed envelope of our version. Never throws.
std::optional<Message> decode(std::string_view bytes, std::string* error);

std::string encode_reply(const Json& body);
std::string encode_error(std::string_view error);

// JSON forms of the model (missing fields take their defaults; wrong types throw).
NLOHMANN_JSON_SERIALIZE_ENUM(JobState, {{JobState::Pending, "PENDING"},
                                        {JobState::Running, "RUNNING"},
                                        {JobState::Completing, "COMPLETING"},
                                        {JobState::Completed, "COMPLETED"},
                                        {JobState::Failed, "FAILED"},
                                        {JobState::Cancelled, "CANCELLED"},
                                        {JobState::Timeout, "TIMEOUT"},
                                        {JobState::NodeFail, "NODE_FAIL"},
                                        {JobState::Preempted, "PREEMPTED"},
                                        {JobState::OutOfMemory, "OUT_OF_MEMORY"},
                                        {JobState::Requeued, "REQUEUED"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RequeueFlag, {{RequeueFlag::Unset, nullptr},
                                           {RequeueFlag::Requeue, "requeue"},
                                           {RequeueFlag::NoRequeue, "no_requeue"}})
NLOHMANN_JSON_SERIALIZE_ENUM(DependKind, {{DependKind::AfterOk, "afterok"},
                                          {DependKind::AfterAny, "afterany"},
                                          {DependKind::AfterNotOk, "afternotok"},
                                          {DependKind::After, "after"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PreemptMode, {{PreemptMode::Off, "OFF"},
                                           {PreemptMode::Requeue, "REQUEUE"},
                                           {PreemptMode::Cancel, "CANCEL"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Dependency, kind, job)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SignalSpec, number, seconds, batch_only)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JobSpec, name, partition, time_limit, time_min, nodes, ntasks,
                                                cpus_per_task, mem_mb, gpus, gpus_per_node, gpus_per_task, gpu_type,
                                                cpus_per_gpu, mem_per_gpu_mb, constraint, nodelist, exclude, workdir,
                                                stdout_pattern, stderr_pattern, stdin_path, open_append, script, argv,
                                                env, depends, hold, requeue, signal, batch, io_endpoint, submit_host,
                                                comment, pty, pty_rows, pty_cols, container, container_mode)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeAlloc, node, cpus, mem_mb, gpus)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JobView, id, uid, gid, user, group, spec, state, reason, priority,
                                                submit_time, eligible_time, start_time, end_time, alloc, exit_code,
                                                term_signal, restarts, preempt_time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuUsage, node, index, type, mem_total_mb, samples, util_sum, util_max,
                                                util_last, mem_sum_mb, mem_max_mb, first, last)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Job, id, uid, gid, user, group, spec, state, end_state, reason,
                                                priority, submit_time, eligible_time, start_time, end_time, alloc,
                                                exit_code, term_signal, restarts, preempt_time, launched, stdout_path,
                                                stderr_path, gpu_usage, gpu_idle_since, gpu_idle_flagged, preempt_mode,
                                                preempted_for, preempt_grace, requeue_hold, system_comment)
// A GPU on the wire: index and type always, the discovered facts only when known, so that node
// lists (which an isolated plugin receives whenever the cluster changed) stay as small as before
// discovery existed. Missing fields read as their defaults.
void to_json(Json& j, const Gpu& g);
void from_json(const Json& j, Gpu& g);
// A node on the wire: only the fields that differ from a default Node (most of a node's 28 fields
// are empty, zero or false on most nodes), because node lists are the bulk of what an isolated
// plugin receives whenever the cluster changed. Missing fields read as their defaults.
void to_json(Json& j, const Node& n);
void from_json(const Json& j, Node& n);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Partition, name, nodes, nodes_expr, is_default, up, max_time,
                                                default_time, priority_tier, preempt_mode, grace_time, max_nodes,
                                                max_gpus_per_job, allow_groups, allow_users)

}  // namespace sluice

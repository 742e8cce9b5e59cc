// scontrol update JobId=ID TimeLimit=T: a job's time limit changed after submission, with the rules
// of Slurm's slurmctld (job_mgr.c, update of time_limit):
//   - only the job's owner or an admin may update it ("Invalid user id" for anyone else);
//   - a job that is finished, completing or being preempted keeps its limit ("Job has already
//     finished");
//   - the same limit again changes nothing;
//   - admins may set any limit, and the owner may lower it, but never below the job's --time-min;
//   - the owner may raise a pending job's limit up to its partition's max_time; any other raise is
//     "Access/permission denied".
// The new limit is persisted at once (scontrol show job, squeue %l); a running job's node agent is
// told (SetTimeLimit), and moves the job's deadline and its --signal warning.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ctld/handlers.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/timefmt.hpp"

namespace sluice {

void on_update_job(CtlState& s, const Request& r, const Json& b) {
  const UpdateJob u = parse_body<UpdateJob>(b);
  Job* j = s.jobs.find(u.id);
  if (!j) return s.out.error(r.peer, "Invalid job id specified");
  if (!s.may_act(r, *j)) return s.out.error(r.peer, "Invalid user id");                // Slurm's ESLURM_USER_ID_MISSING
  if (u.time_limit == kNoValue) return s.out.reply(r.peer, Json::object());            // nothing to change
  const Time limit = round_up_limit(u.time_limit, s.cfg->controller.time_resolution);  // as at submission
  if (limit != kUnlimited && limit < 1)  // the core's own rule for any time limit (admission_problem)
    return s.out.error(r.peer, "Requested time limit is invalid (missing or exceeds some limit)");
  if (is_final(j->state) || j->state == JobState::Completing || (j->state == JobState::Running && j->preempt_time))
    return s.out.error(r.peer, "Job has already finished");
  if (limit == j->spec.time_limit) return s.out.reply(r.peer, Json::object());

  if (r.admin || longer_limit(j->spec.time_limit, limit)) {
    if (longer_limit(j->spec.time_min, limit)) return s.out.error(r.peer, kInvalidTimeMin);
  } else {
    // A raise by the owner: only while pending, and within the partition's max_time.
    const auto part = std::ranges::find(s.partitions, j->spec.partition, &Partition::name);
    if (j->state != JobState::Pending || part == s.partitions.end() || longer_limit(limit, part->max_time))
      return s.out.error(r.peer, "Access/permission denied");
  }

  const Time old = j->spec.time_limit;
  j->spec.time_limit = limit;
  s.store.put(*j);
  if (j->state == JobState::Running) {
    for (const auto& a : j->alloc)
      s.out.to_node(a.node, std::string(SetTimeLimit::kType), to_body(SetTimeLimit{j->id, limit}));
  } else {
    s.sched_needed = true;  // a pending job's limit decides whether its partition lets it run
  }
  spdlog::info("job={} time_limit {} -> {} by uid={}", j->id, format_time_limit(old), format_time_limit(limit),
               r.who.uid);
  s.out.reply(r.peer, Json::object());
}

}  // namespace sluice

// Job steps: srun inside an allocation (salloc's shell, a batch script, another srun) runs its
// command in that allocation instead of submitting a new job.
#include <spdlog/spdlog.h>

#include "core/ctld/handlers.hpp"
#include "core/proto/messages.hpp"

namespace sluice {

void on_step(CtlState& s, const Request& r, const Json& b) {
  const StepRequest req = parse_body<StepRequest>(b);
  const Job* j = s.jobs.find(req.job_id);
  if (!j || is_final(j->state)) return s.out.error(r.peer, "Invalid job id specified");
  if (!s.may_act(r, *j)) return s.out.error(r.peer, "Access/permission denied");
  if (j->state == JobState::Pending) return s.out.error(r.peer, "Job is pending execution");
  if (j->state != JobState::Running || j->alloc.empty())
    return s.out.error(r.peer, "Job is in transitional state, try again later");
  if (req.spec.argv.empty() && !image_has_command(req.spec)) return s.out.error(r.peer, "No command given");
  if (!req.spec.container.empty() && !s.plugins->launch()) return s.out.error(r.peer, kNoContainers);
  const std::string& node = j->alloc.front().node;
  const Node* n = s.nodes.find(node);
  if (!n || !n->responding) return s.out.error(r.peer, "Required node not available (down, drained or reserved)");

  // The allocation as the step sees it: identity, resources and limits are the job's; the command,
  // environment, I/O and name are the step's.
  Job step = *j;
  const JobSpec& asked = req.spec;
  step.spec.batch = false;
  step.spec.script.clear();
  step.spec.argv = asked.argv;
  step.spec.env = asked.env;
  step.spec.io_endpoint = asked.io_endpoint;
  step.spec.pty = asked.pty;
  step.spec.pty_rows = asked.pty_rows;
  step.spec.pty_cols = asked.pty_cols;
  step.spec.workdir = asked.workdir;
  step.spec.stdin_path = asked.stdin_path;
  step.spec.stdout_pattern = asked.stdout_pattern;
  step.spec.stderr_pattern = asked.stderr_pattern;
  step.spec.open_append = asked.open_append;
  step.spec.name = asked.name;
  step.spec.container = asked.container;
  step.spec.container_mode = asked.container_mode;
  // The launch plugin's submit-time checks (an image outside the allowed directories) hold for steps too.
  if (const Status st = s.plugins->check_submit(step); st.code == Code::Reject || st.code == Code::Error) {
    if (st.code == Code::Error) spdlog::warn("step of job={} by uid={} refused: {}", j->id, r.who.uid, st.message);
    return s.out.error(r.peer, st.message);
  }
  const std::uint32_t id = s.next_step[j->id]++;
  s.out.to_node(node, std::string(StepLaunch::kType), to_body(StepLaunch{step, id}));
  spdlog::info("job={} step={} on {} for uid={}", j->id, id, node, r.who.uid);
  s.out.reply(r.peer, {{"job_id", j->id}, {"step_id", id}, {"node", node}});
}

}  // namespace sluice

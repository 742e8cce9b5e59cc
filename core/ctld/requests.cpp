// Client requests: what sbatch/srun, squeue, sinfo, scancel, scontrol and sacct ask. Each handler
// checks what the request may do, turns it into job events or node changes, and queues its reply.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ctld/handlers.hpp"
#include "core/plugin/points.hpp"
#include "core/proto/messages.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/slurm/timefmt.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice {

Json loaded_plugins(const CtlState& s) {
  Json out = Json::object();
  const auto sources = s.plugins->sources();
  for (const auto& [point, pc] : s.cfg->plugins) {
    const ExtensionPoint* ep = extension_point(point);
    if (!ep) continue;
    Json p = {{"library", pc.library}, {"isolate", pc.isolate}};
    if (loaded_by_controller(ep->side)) {
      if (!sources.contains(point)) continue;
      p["name"] = s.plugins->plugin_name(point);
      p["path"] = sources.at(point);
    }
    out[point] = std::move(p);
  }
  return out;
}

void on_ping(CtlState& s, const Request& r, const Json&) {
  s.out.reply(
      r.peer,
      {{"version", SLUICE_VERSION}, {"time", s.now()}, {"config", s.cfg->file}, {"plugins", loaded_plugins(s)}});
}

Job job_from_request(const CtlState& s, const Request& r, JobSpec spec) {
  Job j;
  j.spec = std::move(spec);
  j.uid = r.who.uid;
  j.gid = r.who.gid;
  j.user = user_label(j.uid, kNss);
  j.group = group_label(j.gid, kNss);
  j.submit_time = j.eligible_time = s.now();
  j.reason = "None";
  if (j.spec.ntasks < j.spec.nodes) j.spec.ntasks = j.spec.nodes;
  // Limits in whole minutes, as Slurm keeps them (controller.time_resolution), before any policy.
  j.spec.time_limit = round_up_limit(j.spec.time_limit, s.cfg->controller.time_resolution);
  j.spec.time_min = round_up_limit(j.spec.time_min, s.cfg->controller.time_resolution);
  return j;
}

void on_submit(CtlState& s, const Request& r, const Json& b) {
  const Submit submit = parse_body<Submit>(b);
  const JobSpec& asked = submit.spec;
  if (asked.nodes == 0 || asked.ntasks == 0 || asked.cpus_per_task == 0)
    return s.out.error(r.peer, "Invalid node/task/cpu count specified");
  if (asked.batch && asked.script.empty()) return s.out.error(r.peer, "Batch job has no script");
  // srun needs a command; salloc's allocation has none but needs its channel (which ends it).
  if (!asked.batch && asked.argv.empty() && asked.io_endpoint.empty()) return s.out.error(r.peer, "No command given");
  if (!asked.container.empty() && !s.plugins->launch()) return s.out.error(r.peer, kNoContainers);
  Job j = job_from_request(s, r, asked);
  const ClusterView cv = s.view();
  Status st = s.plugins->check_submit(j);  // the launch plugin: a job that could only fail at launch
  if (st.code == Code::Reject || st.code == Code::Error) {
    if (st.code == Code::Error) spdlog::warn("submission by uid={} refused: {}", r.who.uid, st.message);
    return s.out.error(r.peer, st.message);
  }
  st = s.plugins->admit(j, cv);
  if (st.code == Code::Reject || st.code == Code::Error) {
    if (st.code == Code::Error) spdlog::warn("submission by uid={} refused: {}", r.who.uid, st.message);
    return s.out.error(r.peer, st.message);
  }
  // Slurm: a --time-min longer than the time limit the job ends up with is refused.
  if (longer_limit(j.spec.time_min, j.spec.time_limit)) return s.out.error(r.peer, kInvalidTimeMin);
  st = s.plugins->feasible(j, cv);
  if (st.code == Code::Reject) return s.out.error(r.peer, st.message);
  for (const auto& d : j.spec.depends)
    if (!s.jobs.state_of(d.job)) return s.out.error(r.peer, "Job dependency problem");
  const Job& added = s.jobs.submit(std::move(j));
  s.submits.emplace_back(r.peer, added.id);
  s.sched_needed = true;
}

void on_jobs(CtlState& s, const Request& r, const Json& b) {
  // Listings leave out what no listing prints: the environment and the script.
  auto brief = [](const Job& j) {
    Json out = j;
    out["spec"].erase("env");
    out["spec"].erase("script");
    return out;
  };
  Json arr = Json::array();
  if (auto ids = b.find("ids"); ids != b.end() && !ids->empty()) {
    for (const auto& idj : *ids) {
      auto id = idj.get<std::uint64_t>();
      if (const Job* j = s.jobs.find(id))
        arr.push_back(brief(*j));
      else if (auto sj = s.store.get_job(id))
        arr.push_back(brief(*sj));
    }
  } else {
    for (const auto& [id, j] : s.jobs.all()) arr.push_back(brief(j));
  }
  s.out.reply(r.peer, {{"jobs", std::move(arr)}, {"now", s.now()}});
}

void on_nodes(CtlState& s, const Request& r, const Json&) {
  s.out.reply(
      r.peer,
      {{"nodes", s.nodes.all()}, {"partitions", s.partitions}, {"now", s.now()}, {"cluster", s.cfg->cluster_name}});
}

namespace {

// scancel's filters (-u, -n, -p, -t) beside explicit ids.
struct CancelFilter {
  std::optional<std::uint32_t> uid;
  std::string name, partition;
  std::vector<JobState> states;
  bool any() const { return uid || !name.empty() || !partition.empty() || !states.empty(); }
  bool matches(const Job& j) const {
    return (!uid || j.uid == *uid) && (name.empty() || j.spec.name == name) &&
           (partition.empty() || j.spec.partition == partition) &&
           (states.empty() || std::ranges::find(states, j.state) != states.end());
  }
};

// Cancels (or signals, with --signal, to `scope`: Kill::scope) one job on behalf of `r`; the
// result for the reply.
Json cancel_one(CtlState& s, const Request& r, Job& j, int sig, const std::string& scope) {
  if (!s.may_act(r, j)) return {{"id", j.id}, {"error", "Access/permission denied"}};
  // A job being preempted or requeued may still be cancelled (it would come back otherwise).
  const bool stopping =
      j.state == JobState::Completing && (j.end_state == JobState::Preempted || j.end_state == JobState::Requeued);
  if (is_final(j.state) || (j.state == JobState::Completing && !stopping))
    return {{"id", j.id}, {"error", "Job/step already completing or completed"}};
  if (sig && sig != SIGKILL && (j.state == JobState::Running || stopping)) {
    Kill k{j.id, sig, "signal"};
    k.scope = scope;
    for (const auto& a : j.alloc) s.out.to_node(a.node, std::string(Kill::kType), to_body(k));
    return {{"id", j.id}};
  }
  s.handle(j, JobEvent(JobEventKind::Cancelled));
  spdlog::info("cancel job={} by uid={}", j.id, r.who.uid);
  return {{"id", j.id}};
}

}  // namespace

void on_cancel(CtlState& s, const Request& r, const Json& b) {
  const Cancel c = parse_body<Cancel>(b);
  const int sig = c.signal;
  const std::string scope = c.full ? "full" : c.batch ? "batch" : "steps";
  CancelFilter f;
  f.name = c.name;
  f.partition = c.partition;
  for (const auto& st : c.states)
    if (auto parsed = parse_state(st)) f.states.push_back(*parsed);
  if (!c.user.empty()) {
    f.uid = uid_or_number(c.user, kNss);
    if (!f.uid) return s.out.error(r.peer, "Invalid user name: " + c.user);
  }
  Json results = Json::array();
  const auto& ids = c.ids;
  if (!ids.empty()) {
    for (auto id : ids) {
      Job* j = s.jobs.find(id);
      if (!j)
        results.push_back({{"id", id}, {"error", "Invalid job id specified"}});
      else if ((!f.uid || j->uid == *f.uid) && (f.name.empty() || j->spec.name == f.name))
        results.push_back(cancel_one(s, r, *j, sig, scope));
    }
  } else if (f.any()) {
    for (auto& [id, j] : s.jobs.all())
      if (!is_final(j.state) && j.state != JobState::Completing && f.matches(j) && (r.admin || j.uid == r.who.uid))
        results.push_back(cancel_one(s, r, j, sig, scope));
  }
  s.sched_needed = true;
  s.out.reply(r.peer, {{"results", results}});
}

void on_hold(CtlState& s, const Request& r, const Json& b, bool hold) {
  Json results = Json::array();
  for (auto id : parse_body<JobIds>(b).ids) {
    Job* j = s.jobs.find(id);
    if (!j) {
      results.push_back({{"id", id}, {"error", "Invalid job id specified"}});
    } else if (!s.may_act(r, *j)) {
      results.push_back({{"id", id}, {"error", "Access/permission denied"}});
    } else if (j->state != JobState::Pending) {
      results.push_back({{"id", id}, {"error", "Job is no longer pending execution"}});
    } else {
      // A hold is a reason on a pending job, not a state.
      j->spec.hold = hold;
      j->reason = hold ? (r.who.uid == j->uid ? "JobHeldUser" : "JobHeldAdmin") : "None";
      j->priority = hold ? 0 : base_priority(j->id);
      s.store.put(*j);
      results.push_back({{"id", id}});
    }
  }
  s.sched_needed = true;
  s.out.reply(r.peer, {{"results", results}});
}

void on_requeue(CtlState& s, const Request& r, const Json& b) {
  const Requeue rq = parse_body<Requeue>(b);
  Json results = Json::array();
  for (auto id : rq.ids) {
    Job* j = s.jobs.find(id);
    auto refuse = [&](const char* why) { results.push_back({{"id", id}, {"error", why}}); };
    if (!j) {
      refuse("Invalid job id specified");
    } else if (!s.may_act(r, *j)) {
      refuse("Access/permission denied");
    } else if (!j->spec.batch) {
      refuse("Only batch jobs are accepted or processed");
    } else if (j->spec.requeue == RequeueFlag::NoRequeue) {
      refuse("Requested operation is presently disabled");  // --no-requeue
    } else if (j->state == JobState::Pending) {
      refuse("Job is pending execution");
    } else if (j->state == JobState::Completing) {
      refuse("Job is in transitional state, try again later");
    } else {
      JobEvent e(JobEventKind::Requeue);
      e.hold = rq.hold;
      s.handle(*j, e);
      spdlog::info("requeue{} job={} by uid={}", rq.hold ? "hold" : "", id, r.who.uid);
      results.push_back({{"id", id}});
    }
  }
  s.sched_needed = true;
  s.out.reply(r.peer, {{"results", results}});
}

void on_hold_request(CtlState& s, const Request& r, const Json& b) { on_hold(s, r, b, true); }
void on_release_request(CtlState& s, const Request& r, const Json& b) { on_hold(s, r, b, false); }

void on_update_node(CtlState& s, const Request& r, const Json& b) {
  const UpdateNode u = parse_body<UpdateNode>(b);
  const std::string state = to_lower(u.state);
  const std::string& reason = u.reason;
  auto names = expand_hostlist(u.names);
  if (!names || names->empty()) return s.out.error(r.peer, "Invalid node name specified");
  for (const auto& nm : *names)
    if (!s.nodes.find(nm)) return s.out.error(r.peer, "Invalid node name specified: " + nm);
  if ((state == "drain" || state == "down") && reason.empty())
    return s.out.error(r.peer, "You must specify a reason when DOWNING or DRAINING a node. Request denied");
  if (state != "drain" && state != "down" && state != "resume" && state != "idle" && state != "undrain")
    return s.out.error(r.peer, "Invalid node state specified");
  for (const auto& nm : *names) {
    Node& n = *s.nodes.find(nm);
    if (state == "drain") {
      n.drain = true;
    } else if (state == "down") {
      n.down_admin = true;
      s.node_down(n, "admin down: " + reason);
    } else {
      n.drain = false;
      n.down_admin = false;
    }
    n.reason = (state == "drain" || state == "down") ? reason : "";
    n.reason_user = user_label(r.who.uid, kNss);
    n.reason_time = s.now();
    s.store.put_node_admin(n.name, {n.drain, n.down_admin, n.reason, n.reason_user, n.reason_time});
    spdlog::info("node={} state={} reason=\"{}\" by={}", n.name, state, reason, n.reason_user);
  }
  s.nodes.changed();
  s.sched_needed = true;
  s.out.reply(r.peer, Json::object());
}

void on_acct(CtlState& s, const Request& r, const Json& b) {
  s.store.commit();
  AcctQuery q;
  q.ids = b.value("ids", std::vector<std::uint64_t>{});
  q.since = b.value("since", Time{0});
  q.duplicates = b.value("duplicates", false);
  if (b.value("all_users", false)) {
  } else if (auto u = b.find("user"); u != b.end()) {
    auto uid = uid_or_number(u->get<std::string>(), kNss);
    if (!uid) return s.out.error(r.peer, "Invalid user name");
    q.uid = *uid;
  } else if (q.ids.empty()) {
    q.uid = r.who.uid;
  }
  s.out.reply(r.peer, {{"jobs", s.store.query(q)}, {"now", s.now()}});
}

}  // namespace sluice

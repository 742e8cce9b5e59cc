#include "core/ctld/controller.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "core/util/hostlist.hpp"
#include "core/util/text.hpp"

namespace sluice {

namespace {
constexpr std::size_t kMaxMessagesPerIteration = 4096;
}

Time Controller::now() const { return static_cast<Time>(::time(nullptr)); }

Controller::Controller(std::shared_ptr<const Config> cfg, std::unique_ptr<PluginSet> plugins)
    : cfg_(std::move(cfg)),
      plugins_(std::move(plugins)),
      auth_(make_authenticator(cfg_->auth)),
      store_(cfg_->controller.state_dir, cfg_->controller.sync) {
  nodes_ = cfg_->nodes;
  for (auto& n : nodes_) n.gpu_used.assign(n.gpus.size(), false);
  partitions_ = cfg_->partitions;
  apply_node_admin();

  // Recover: every job that is not final, plus recently finished ones for squeue/dependencies.
  for (auto& j : store_.load_jobs(now() - cfg_->controller.min_job_age)) {
    std::uint64_t id = j.id;
    jobs_.emplace(id, std::move(j));
  }
  next_id_ = store_.max_job_id() + 1;
  for (auto& [id, j] : jobs_) {
    if (j.state != JobState::Running && !j.completing) continue;
    for (auto& a : j.alloc) {
      if (Node* n = node(a.node)) {
        n->alloc_cpus += a.cpus;
        n->alloc_mem_mb += a.mem_mb;
        n->running_jobs++;
        for (auto g : a.gpus)
          if (g < n->gpu_used.size()) n->gpu_used[g] = true;
      }
    }
  }
  spdlog::info("recovered {} jobs from {}, next job id {}", jobs_.size(), cfg_->controller.state_dir, next_id_);

  router_.set(zmq::sockopt::router_handover, 1);
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  router_.set(zmq::sockopt::rcvhwm, 100000);
  router_.set(zmq::sockopt::sndhwm, 100000);
  router_.bind(cfg_->controller.listen);
  // An ipc socket must be connectable by every user; who they are comes from its peer credentials.
  if (starts_with(cfg_->controller.listen, "ipc://")) ::chmod(cfg_->controller.listen.substr(6).c_str(), 0666);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigfd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

Node* Controller::node(const std::string& name) {
  for (auto& n : nodes_)
    if (n.name == name) return &n;
  return nullptr;
}

Job* Controller::job(std::uint64_t id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

void Controller::apply_node_admin() {
  for (const auto& [name, a] : store_.load_node_admin()) {
    if (Node* n = node(name)) {
      n->drain = a.drain;
      n->down_admin = a.down;
      n->reason = a.reason;
      n->reason_user = a.user;
      n->reason_time = a.time;
    }
  }
}

void Controller::run() {
  spdlog::info("sluicectld listening on {} ({})", cfg_->controller.listen, plugins_->describe());
  while (!stop_) {
    zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, sigfd_, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(sched_needed_ ? 0 : 500));
    if (items[0].revents & ZMQ_POLLIN) drain_socket();
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd_, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
          std::vector<std::string> errors;
          reconfigure(errors);
        } else {
          spdlog::info("signal {}: shutting down", si.ssi_signo);
          stop_ = true;
        }
      }
    }
    if (now() != last_tick_) tick();
    if (sched_needed_) schedule();
    flush();
  }
  flush();
}

void Controller::flush() {
  store_.commit();  // durable before anyone hears of it
  for (const auto& [peer, id] : submit_replies_) {
    const Job* j = job(id);
    if (!j) continue;
    Json body = {{"job_id", id}, {"state", state_name(j->state)}, {"reason", j->reason}};
    if (!j->alloc.empty()) {
      std::vector<std::string> names;
      for (const auto& a : j->alloc) names.push_back(a.node);
      body["nodes"] = compress_hostlist(names);
    }
    reply(peer, body);
  }
  submit_replies_.clear();
  while (!outbox_.empty()) {
    auto& o = outbox_.front();
    try {
      router_.send(zmq::buffer(o.peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router_.send(zmq::buffer(o.payload), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("send to {} failed: {}", o.peer, e.what());
    }
    outbox_.pop_front();
  }
}

void Controller::send_node(const std::string& node, const std::string& type, Json body) {
  outbox_.push_back({"node:" + node, encode(Message{type, std::move(body), {}})});
}

void Controller::drain_socket() {
  for (std::size_t i = 0; i < kMaxMessagesPerIteration; ++i) {
    zmq::message_t id, frame;
    if (!router_.recv(id, zmq::recv_flags::dontwait)) return;
    std::vector<zmq::message_t> rest;
    bool more = id.more();
    while (more) {
      zmq::message_t m;
      (void)router_.recv(m, zmq::recv_flags::none);
      more = m.more();
      rest.push_back(std::move(m));
    }
    std::string peer = id.to_string();
    if (rest.size() != 1) {
      spdlog::warn("dropped message from {}: expected 1 frame, got {}", peer, rest.size());
      continue;
    }
    std::string bytes = rest[0].to_string();
    dispatch(peer, rest[0], bytes);
  }
}

void Controller::dispatch(const std::string& peer, zmq::message_t& frame, const std::string& bytes) {
  std::string err;
  auto msg = decode(bytes, &err);
  if (!msg) {
    spdlog::warn("rejected message from peer of {} bytes: {}", bytes.size(), err);
    reply_error(peer, "malformed request: " + err);
    return;
  }
  std::string peer_address;
  try {
    if (const char* a = frame.gets("Peer-Address")) peer_address = a;
  } catch (const zmq::error_t&) {
  }
  auto who = auth_->verify(msg->cred, peer_address, &err);
  if (!who) {
    spdlog::warn("rejected {} message: authentication failed: {}", msg->type, err);
    reply_error(peer, "Authentication failure: " + err);
    return;
  }
  try {
    const Json& b = msg->body;
    if (starts_with(peer, "node:")) {
      if (who->uid != 0 && who->uid != geteuid()) {
        spdlog::warn("rejected node message {} from uid {}", msg->type, who->uid);
        return;
      }
      std::string name = peer.substr(5);
      if (!node(name)) {
        spdlog::warn("message {} from unknown node {}", msg->type, name);
        return;
      }
      if (msg->type == "register")
        on_register(name, b);
      else if (msg->type == "heartbeat")
        on_heartbeat(name, b);
      else if (msg->type == "job_started")
        on_job_started(name, b);
      else if (msg->type == "job_ended")
        on_job_ended(name, b);
      else
        spdlog::warn("unknown node message type {} from {}", msg->type, name);
      return;
    }
    Request r{peer, *who, false};
    r.admin = who->uid == 0 || who->uid == geteuid();
    if (!r.admin) {
      const std::string uname = user_name(who->uid);
      r.admin = std::find(cfg_->controller.admins.begin(), cfg_->controller.admins.end(), uname) !=
                cfg_->controller.admins.end();
    }
    if (msg->type == "ping")
      reply(peer, {{"version", SLUICE_VERSION}, {"time", now()}});
    else if (msg->type == "submit")
      on_submit(r, b);
    else if (msg->type == "jobs")
      on_jobs(r, b);
    else if (msg->type == "nodes")
      on_nodes(r, b);
    else if (msg->type == "cancel")
      on_cancel(r, b);
    else if (msg->type == "hold")
      on_hold(r, b, true);
    else if (msg->type == "release")
      on_hold(r, b, false);
    else if (msg->type == "update_node")
      on_update_node(r, b);
    else if (msg->type == "acct")
      on_acct(r, b);
    else if (msg->type == "reconfigure")
      on_reconfigure(r);
    else if (msg->type == "whatif")
      on_whatif(r, b);
    else
      reply_error(peer, "unknown request type " + msg->type);
  } catch (const std::exception& e) {
    spdlog::warn("rejected {} message: {}", msg->type, e.what());
    reply_error(peer, std::string("malformed request: ") + e.what());
  }
}

// ---- client requests -------------------------------------------------------------------------

void Controller::on_submit(const Request& r, const Json& b) {
  Job j;
  j.spec = b.at("spec").get<JobSpec>();
  j.uid = r.who.uid;
  j.gid = r.who.gid;
  j.user = user_name(j.uid);
  j.group = group_name(j.gid);
  j.submit_time = j.eligible_time = now();
  j.reason = "None";
  if (j.spec.nodes == 0 || j.spec.ntasks == 0 || j.spec.cpus_per_task == 0)
    return reply_error(r.peer, "Invalid node/task/cpu count specified");
  if (j.spec.batch && j.spec.script.empty()) return reply_error(r.peer, "Batch job has no script");
  if (!j.spec.batch && j.spec.argv.empty()) return reply_error(r.peer, "No command given");
  if (j.spec.ntasks < j.spec.nodes) j.spec.ntasks = j.spec.nodes;
  ++generation_;
  const ClusterView cv = view();
  Status st = plugins_->admit(j, cv);
  if (st.code == Code::Reject || st.code == Code::Error) return reply_error(r.peer, st.message);
  st = plugins_->feasible(j, cv);
  if (st.code == Code::Reject) return reply_error(r.peer, st.message);
  for (const auto& d : j.spec.depends) {
    if (!job(d.job) && !settled_state(d.job)) return reply_error(r.peer, "Job dependency problem");
  }
  j.id = next_id_++;
  j.priority = static_cast<std::uint32_t>(std::max<std::int64_t>(1, 4294901760LL - static_cast<std::int64_t>(j.id)) &
                                          0xffffffff);
  if (j.spec.hold) {
    j.reason = "JobHeldUser";
    j.priority = 0;
  }
  spdlog::debug("submit job={} user={} partition={}", j.id, j.user, j.spec.partition);
  touch(j);
  submit_replies_.emplace_back(r.peer, j.id);
  jobs_.emplace(j.id, std::move(j));
  sched_needed_ = true;
}

void Controller::on_jobs(const Request& r, const Json& b) {
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
      if (const Job* j = job(id))
        arr.push_back(brief(*j));
      else if (auto sj = store_.get_job(id))
        arr.push_back(brief(*sj));
    }
  } else {
    for (const auto& [id, j] : jobs_) arr.push_back(brief(j));
  }
  reply(r.peer, {{"jobs", std::move(arr)}, {"now", now()}});
}

void Controller::on_nodes(const Request& r, const Json&) {
  reply(r.peer, {{"nodes", nodes_}, {"partitions", partitions_}, {"now", now()}, {"cluster", cfg_->cluster_name}});
}

void Controller::on_cancel(const Request& r, const Json& b) {
  const int sig = b.value("signal", 0);
  const std::string user = b.value("user", std::string());
  const std::string name = b.value("name", std::string());
  const std::string part = b.value("partition", std::string());
  std::vector<JobState> states;
  for (const auto& s : b.value("states", std::vector<std::string>{}))
    if (auto st = parse_state(s)) states.push_back(*st);
  std::vector<std::uint64_t> ids = b.value("ids", std::vector<std::uint64_t>{});
  const bool filtered = !user.empty() || !name.empty() || !part.empty() || !states.empty();
  std::optional<std::uint32_t> uid;
  if (!user.empty()) {
    uid = user_id(user);
    if (!uid) return reply_error(r.peer, "Invalid user name: " + user);
  }
  Json results = Json::array();
  auto act = [&](Job& j) {
    if (!may_act(r, j)) {
      results.push_back({{"id", j.id}, {"error", "Access/permission denied"}});
      return;
    }
    if (is_final(j.state)) {
      results.push_back({{"id", j.id}, {"error", "Job/step already completing or completed"}});
      return;
    }
    if (sig && sig != SIGKILL && j.state == JobState::Running) {
      for (const auto& a : j.alloc) send_node(a.node, "kill", {{"id", j.id}, {"signal", sig}, {"reason", "signal"}});
      results.push_back({{"id", j.id}});
      return;
    }
    j.cancel_requested = true;
    if (j.state == JobState::Pending) {
      end_job(j, JobState::Cancelled, 0, 0, false);
    } else {
      kill_job(j, SIGTERM, "cancel");
      end_job(j, JobState::Cancelled, 0, SIGTERM, false);
      j.completing = true;
      touch(j);
    }
    spdlog::info("cancel job={} by uid={}", j.id, r.who.uid);
    results.push_back({{"id", j.id}});
  };
  if (!ids.empty()) {
    for (auto id : ids) {
      Job* j = job(id);
      if (!j) {
        results.push_back({{"id", id}, {"error", "Invalid job id specified"}});
        continue;
      }
      if (uid && j->uid != *uid) continue;
      if (!name.empty() && j->spec.name != name) continue;
      act(*j);
    }
  } else if (filtered) {
    for (auto& [id, j] : jobs_) {
      if (is_final(j.state)) continue;
      if (uid && j.uid != *uid) continue;
      if (!name.empty() && j.spec.name != name) continue;
      if (!part.empty() && j.spec.partition != part) continue;
      if (!states.empty() && std::find(states.begin(), states.end(), j.state) == states.end()) continue;
      if (!r.admin && j.uid != r.who.uid) continue;
      act(j);
    }
  }
  sched_needed_ = true;
  reply(r.peer, {{"results", results}});
}

void Controller::on_hold(const Request& r, const Json& b, bool hold) {
  Json results = Json::array();
  for (auto id : b.value("ids", std::vector<std::uint64_t>{})) {
    Job* j = job(id);
    if (!j) {
      results.push_back({{"id", id}, {"error", "Invalid job id specified"}});
    } else if (!may_act(r, *j)) {
      results.push_back({{"id", id}, {"error", "Access/permission denied"}});
    } else if (j->state != JobState::Pending) {
      results.push_back({{"id", id}, {"error", "Job is no longer pending execution"}});
    } else {
      j->spec.hold = hold;
      j->reason = hold ? (r.who.uid == j->uid ? "JobHeldUser" : "JobHeldAdmin") : "None";
      if (hold)
        j->priority = 0;
      else
        j->priority = static_cast<std::uint32_t>(4294901760ULL - j->id);
      touch(*j);
      results.push_back({{"id", id}});
    }
  }
  sched_needed_ = true;
  reply(r.peer, {{"results", results}});
}

void Controller::on_update_node(const Request& r, const Json& b) {
  if (!r.admin) return reply_error(r.peer, "Access/permission denied");
  const std::string state = to_lower(b.value("state", std::string()));
  const std::string reason = b.value("reason", std::string());
  auto names = expand_hostlist(b.value("names", std::string()));
  if (!names || names->empty()) return reply_error(r.peer, "Invalid node name specified");
  for (const auto& nm : *names)
    if (!node(nm)) return reply_error(r.peer, "Invalid node name specified: " + nm);
  if ((state == "drain" || state == "down") && reason.empty())
    return reply_error(r.peer, "You must specify a reason when DOWNING or DRAINING a node. Request denied");
  if (state != "drain" && state != "down" && state != "resume" && state != "idle" && state != "undrain")
    return reply_error(r.peer, "Invalid node state specified");
  for (const auto& nm : *names) {
    Node& n = *node(nm);
    if (state == "drain") {
      n.drain = true;
    } else if (state == "down") {
      n.down_admin = true;
      node_down(n, "admin down: " + reason);
    } else {
      n.drain = false;
      n.down_admin = false;
    }
    n.reason = (state == "drain" || state == "down") ? reason : "";
    n.reason_user = user_name(r.who.uid);
    n.reason_time = now();
    store_.put_node_admin(n.name, {n.drain, n.down_admin, n.reason, n.reason_user, n.reason_time});
    spdlog::info("node={} state={} reason=\"{}\" by={}", n.name, state, reason, n.reason_user);
  }
  sched_needed_ = true;
  reply(r.peer, Json::object());
}

void Controller::on_acct(const Request& r, const Json& b) {
  store_.commit();
  AcctQuery q;
  q.ids = b.value("ids", std::vector<std::uint64_t>{});
  q.since = b.value("since", Time{0});
  if (b.value("all_users", false)) {
  } else if (auto u = b.find("user"); u != b.end()) {
    auto uid = user_id(u->get<std::string>());
    if (!uid) return reply_error(r.peer, "Invalid user name");
    q.uid = *uid;
  } else if (q.ids.empty()) {
    q.uid = r.who.uid;
  }
  reply(r.peer, {{"jobs", store_.query(q)}, {"now", now()}});
}

void Controller::on_reconfigure(const Request& r) {
  if (!r.admin) return reply_error(r.peer, "Access/permission denied");
  std::vector<std::string> errors;
  reconfigure(errors);
  if (!errors.empty()) return reply_error(r.peer, join(errors, "\n"));
  reply(r.peer, Json::object());
}

void Controller::reconfigure(std::vector<std::string>& errors) {
  auto cfg = load_config(cfg_->file, errors);
  std::unique_ptr<PluginSet> plugins;
  if (cfg) plugins = PluginSet::load(*cfg, errors);
  if (cfg && plugins) {
    // The node-side launch plugin is validated here too, so that errors reach the admin.
    if (auto it = cfg->plugins.find("launch"); it != cfg->plugins.end()) {
      auto lp = load_plugin(*cfg, it->second, errors);
      if (lp && !implements(*lp->object, "launch"))
        errors.push_back("plugins.launch: " + lp->path + " is not a launch plugin");
    }
    // Every running job's nodes must still exist.
    for (const auto& [id, j] : jobs_)
      if (j.state == JobState::Running || j.completing)
        for (const auto& a : j.alloc)
          if (!cfg->node(a.node))
            errors.push_back(cfg->file + ": node " + a.node + " removed while job " + std::to_string(id) +
                             " runs on it");
  }
  if (!errors.empty()) {
    for (const auto& e : errors) spdlog::error("reconfigure refused: {}", e);
    return;
  }
  std::vector<Node> fresh = cfg->nodes;
  for (auto& n : fresh) {
    if (const Node* old = node(n.name)) {
      Node keep = *old;
      keep.cpus = n.cpus;
      keep.mem_mb = n.mem_mb;
      keep.gpus = n.gpus;
      keep.partitions = n.partitions;
      keep.features = n.features;
      keep.gpu_used.resize(n.gpus.size(), false);
      n = std::move(keep);
    } else {
      n.gpu_used.assign(n.gpus.size(), false);
    }
  }
  nodes_ = std::move(fresh);
  partitions_ = cfg->partitions;
  plugins_ = std::move(plugins);
  cfg_ = std::move(cfg);
  sched_needed_ = true;
  for (const auto& n : nodes_)
    if (n.responding) send_node(n.name, "reconfigure", Json::object());
  spdlog::info("reconfigured from {} ({})", cfg_->file, plugins_->describe());
}

// ---- node agents -----------------------------------------------------------------------------

void Controller::on_register(const std::string& name, const Json& b) {
  Node& n = *node(name);
  const std::string inst = b.value("instance", std::string());
  const bool was_responding = n.responding;
  n.responding = true;
  n.last_seen = now();
  n.boot_time = b.value("boot_time", Time{0});
  n.agent_start_time = b.value("start_time", Time{0});
  n.hostname = b.value("hostname", std::string());
  n.addr = b.value("addr", std::string());
  n.os = b.value("os", std::string());
  n.arch = b.value("arch", std::string());
  n.version = b.value("version", std::string());
  node_instance_[name] = inst;
  auto running = b.value("running", std::vector<std::uint64_t>{});
  // Jobs the agent runs that we consider finished (or never heard of): stop them.
  for (auto id : running) {
    const Job* j = job(id);
    if (!j || (is_final(j->state) && !j->completing))
      send_node(name, "kill", {{"id", id}, {"signal", SIGKILL}, {"reason", "orphan"}});
  }
  // Jobs we think run there that the agent does not know.
  std::vector<std::uint64_t> finished;
  for (const auto& f : b.value("finished", Json::array())) finished.push_back(f.value("id", std::uint64_t{0}));
  for (auto& [id, j] : jobs_) {
    if (j.state != JobState::Running && !j.completing) continue;
    if (std::none_of(j.alloc.begin(), j.alloc.end(), [&](const NodeAlloc& a) { return a.node == name; })) continue;
    if (std::find(running.begin(), running.end(), id) != running.end()) continue;
    if (std::find(finished.begin(), finished.end(), id) != finished.end()) continue;
    if (j.completing) {
      release(j);  // it is gone: nothing left to reap
    } else if (!j.launched) {
      Json lj = j;
      send_node(name, "launch", {{"job", lj}, {"kill_wait", cfg_->controller.kill_wait}});
    } else {
      spdlog::warn("job={} lost on node={} (agent restarted)", id, name);
      end_job(j, JobState::NodeFail, 0, 0, true);
    }
  }
  for (const auto& f : b.value("finished", Json::array())) on_job_ended(name, f);
  send_node(name, "registered", {{"heartbeat_interval", cfg_->controller.heartbeat_interval}});
  spdlog::info("node={} registered instance={} ({}running={})", name, inst, was_responding ? "" : "was down, ",
               running.size());
  sched_needed_ = true;
}

void Controller::on_heartbeat(const std::string& name, const Json& b) {
  Node& n = *node(name);
  if (!n.responding || node_instance_[name] != b.value("instance", std::string())) {
    send_node(name, "reregister", Json::object());  // we restarted, or it was marked down
    return;
  }
  n.last_seen = now();
  n.cpu_load = b.value("load", 0.0);
  n.free_mem_mb = b.value("free_mem_mb", std::uint64_t{0});
}

void Controller::on_job_started(const std::string& name, const Json& b) {
  Job* j = job(b.at("id").get<std::uint64_t>());
  if (!j) return;
  if (j->state == JobState::Running && !j->launched) {
    j->launched = true;
    j->stdout_path = b.value("stdout", std::string());
    j->stderr_path = b.value("stderr", std::string());
    touch(*j);
  } else if (is_final(j->state) && !j->completing) {
    send_node(name, "kill", {{"id", j->id}, {"signal", SIGKILL}, {"reason", "orphan"}});
  }
}

void Controller::on_job_ended(const std::string& name, const Json& b) {
  const auto id = b.at("id").get<std::uint64_t>();
  send_node(name, "ack_end", {{"id", id}});
  Job* j = job(id);
  if (!j) return;
  const int code = b.value("exit_code", 0), sig = b.value("signal", 0);
  if (j->state == JobState::Running) {
    JobState st = JobState::Completed;
    if (b.value("timed_out", false))
      st = JobState::Timeout;
    else if (b.value("launch_failed", false) || code != 0 || sig != 0)
      st = JobState::Failed;
    end_job(*j, st, code, sig, true);
  } else if (j->completing) {
    j->exit_code = code;
    j->term_signal = sig;
    release(*j);
  }
  (void)name;
}

// ---- state changes ---------------------------------------------------------------------------

void Controller::start_job(Job& j, std::vector<NodeAlloc> alloc) {
  ++generation_;
  j.alloc = std::move(alloc);
  j.state = JobState::Running;
  j.reason = "None";
  j.start_time = now();
  j.launched = false;
  for (const auto& a : j.alloc) {
    Node& n = *node(a.node);
    n.alloc_cpus += a.cpus;
    n.alloc_mem_mb += a.mem_mb;
    n.running_jobs++;
    n.last_busy = j.start_time;
    for (auto g : a.gpus) n.gpu_used[g] = true;
  }
  touch(j);
  Json lj = j;
  send_node(j.alloc.front().node, "launch", {{"job", std::move(lj)}, {"kill_wait", cfg_->controller.kill_wait}});
  spdlog::debug("start job={} node={}", j.id, j.alloc.front().node);
}

void Controller::release(Job& j) {
  for (const auto& a : j.alloc) {
    Node* n = node(a.node);
    if (!n) continue;
    n->alloc_cpus -= std::min(n->alloc_cpus, a.cpus);
    n->alloc_mem_mb -= std::min(n->alloc_mem_mb, a.mem_mb);
    if (n->running_jobs) n->running_jobs--;
    n->last_busy = now();
    for (auto g : a.gpus)
      if (g < n->gpu_used.size()) n->gpu_used[g] = false;
  }
  j.completing = false;
  touch(j);
  sched_needed_ = true;
}

void Controller::end_job(Job& j, JobState st, int exit_code, int sig, bool rel) {
  const bool was_running = j.state == JobState::Running;
  j.state = st;
  j.exit_code = exit_code;
  j.term_signal = sig;
  j.end_time = now();
  if (st == JobState::Failed && j.reason == "None") j.reason = "NonZeroExitCode";
  if (st == JobState::Timeout) j.reason = "TimeLimit";
  if (was_running && rel) release(j);
  touch(j);
  sched_needed_ = true;  // dependencies may now resolve
  spdlog::info("job={} ended state={} exit={}:{}", j.id, state_name(st), exit_code, sig);
}

void Controller::kill_job(Job& j, int sig, const std::string& why) {
  for (const auto& a : j.alloc) send_node(a.node, "kill", {{"id", j.id}, {"signal", sig}, {"reason", why}});
}

void Controller::node_down(Node& n, const std::string& why) {
  for (auto& [id, j] : jobs_) {
    if (j.state != JobState::Running && !j.completing) continue;
    if (std::none_of(j.alloc.begin(), j.alloc.end(), [&](const NodeAlloc& a) { return a.node == n.name; })) continue;
    if (j.completing) {
      release(j);
    } else {
      kill_job(j, SIGKILL, "node_fail");
      end_job(j, JobState::NodeFail, 0, 0, true);
    }
  }
  spdlog::warn("node={} down: {}", n.name, why);
  sched_needed_ = true;
}

void Controller::tick() {
  last_tick_ = now();
  if (plugin_trouble_) sched_needed_ = true;  // a plugin failed: try again once a second
  for (auto& n : nodes_) {
    if (n.responding && last_tick_ - n.last_seen > cfg_->controller.node_timeout) {
      n.responding = false;
      node_down(n, "not responding for " + std::to_string(last_tick_ - n.last_seen) + "s");
    }
  }
  // Launches that were not confirmed (lost message, agent restarting): send again; agents dedup.
  for (auto& [id, j] : jobs_) {
    if (j.state == JobState::Running && !j.launched && last_tick_ - j.start_time >= 3 &&
        (last_tick_ - j.start_time) % 3 == 0) {
      Json lj = j;
      send_node(j.alloc.front().node, "launch", {{"job", std::move(lj)}, {"kill_wait", cfg_->controller.kill_wait}});
    }
  }
  // Forget finished jobs after min_job_age (they stay in the store for sacct).
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    const Job& j = it->second;
    if (is_final(j.state) && !j.completing && last_tick_ - j.end_time > cfg_->controller.min_job_age)
      it = jobs_.erase(it);
    else
      ++it;
  }
}

// A job no longer in memory ended more than min_job_age ago: its final state is read from the
// store once and remembered, so passes do no I/O for it.
std::optional<JobState> Controller::settled_state(std::uint64_t id) {
  if (auto it = settled_.find(id); it != settled_.end()) return it->second;
  auto stored = store_.get_job(id);
  if (!stored) return std::nullopt;
  settled_.emplace(id, stored->state);
  return stored->state;
}

bool Controller::dependencies(const Job& j, std::string& reason) {
  for (const auto& d : j.spec.depends) {
    const Job* dj = job(d.job);
    std::optional<JobState> state = dj ? std::optional(dj->state) : settled_state(d.job);
    if (!state) {
      reason = "DependencyNeverSatisfied";
      return false;
    }
    const bool done = is_final(*state) && !(dj && dj->completing);
    const bool started = *state != JobState::Pending;
    switch (d.kind) {
      case DependKind::After:
        if (!started) return reason = "Dependency", false;
        break;
      case DependKind::AfterAny:
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterOk:
        if (done && *state != JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
      case DependKind::AfterNotOk:
        if (done && *state == JobState::Completed) return reason = "DependencyNeverSatisfied", false;
        if (!done) return reason = "Dependency", false;
        break;
    }
  }
  return true;
}

void Controller::plan(PluginSet& plugins, std::vector<Node>& nodes, const std::vector<Partition>& partitions,
                      std::uint64_t* generation, const std::function<void(Job&, PassDecision&)>& apply) {
  std::vector<Job*> pending;
  for (auto& [id, j] : jobs_)
    if (j.state == JobState::Pending) pending.push_back(&j);
  if (pending.empty()) return;
  const ClusterView base{nodes, partitions};
  std::vector<std::pair<std::uint32_t, Job*>> order;  // (partition tier, job)
  for (Job* j : pending) {
    const Partition* p = base.partition(j->spec.partition);
    order.emplace_back(p ? p->priority_tier : 0, j);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.second->priority != b.second->priority) return a.second->priority > b.second->priority;
    return a.second->id < b.second->id;
  });
  std::map<std::string, bool> blocked;  // partition -> a higher job already waits for resources
  for (auto& [tier, j] : order) {
    PassDecision d;
    if (j->spec.hold) {
      d.reason = j->reason;
      apply(*j, d);
      continue;
    }
    if (!dependencies(*j, d.reason)) {
      apply(*j, d);
      continue;
    }
    const ClusterView cv{nodes, partitions, generation ? *generation : 0};
    Status st = plugins.gate(*j, cv);
    if (st.code == Code::Ok) st = plugins.select(*j, cv, d.alloc);
    if (st.code == Code::Ok && !d.alloc.empty()) {
      d.start = true;
    } else if (st.code == Code::Error) {
      d.reason = "PluginError";
      d.fault = true;
    } else if (st.code == Code::Reject) {
      d.reason = st.reason.empty() ? "ReqNodeNotAvail" : st.reason;
    } else if (!d.alloc.empty() || st.reason.empty() || st.reason == "Resources") {
      bool& b = blocked[j->spec.partition];
      d.reason = b ? "Priority" : "Resources";
      b = true;
    } else {
      d.reason = st.reason;
    }
    apply(*j, d);
  }
}

void Controller::schedule() {
  sched_needed_ = false;
  plugin_trouble_ = false;
  ++generation_;
  plan(*plugins_, nodes_, partitions_, &generation_, [&](Job& j, PassDecision& d) {
    if (d.start) return start_job(j, std::move(d.alloc));
    plugin_trouble_ = plugin_trouble_ || d.fault;
    if (!j.spec.hold && j.reason != d.reason) {
      j.reason = d.reason;
      touch(j);
    }
  });
}

// What a candidate config would do to the pending queue, computed on copies: nothing changes.
void Controller::on_whatif(const Request& r, const Json& b) {
  if (!r.admin) return reply_error(r.peer, "Access/permission denied");
  std::vector<std::string> errors;
  auto cfg = load_config(b.value("config", std::string()), errors);
  std::unique_ptr<PluginSet> candidate;
  if (cfg) candidate = PluginSet::load(*cfg, errors);
  if (!candidate) return reply_error(r.peer, join(errors, "\n"));
  auto outcome = [&](PluginSet& ps, const std::vector<Partition>& parts) {
    std::vector<Node> nodes = nodes_;
    std::map<std::uint64_t, std::string> out;
    plan(ps, nodes, parts, nullptr, [&](Job& j, PassDecision& d) {
      if (!d.start) {
        out[j.id] = "PD (" + d.reason + ")";
        return;
      }
      std::vector<std::string> names;
      for (const auto& a : d.alloc) {
        names.push_back(a.node);
        for (auto& n : nodes) {
          if (n.name != a.node) continue;
          n.alloc_cpus += a.cpus;
          n.alloc_mem_mb += a.mem_mb;
          n.running_jobs++;
          for (auto g : a.gpus)
            if (g < n.gpu_used.size()) n.gpu_used[g] = true;
        }
      }
      out[j.id] = "R " + compress_hostlist(names);
    });
    // Admission under this policy: a job it would refuse today.
    for (auto& [id, j] : jobs_) {
      if (j.state != JobState::Pending) continue;
      Job copy = j;
      const ClusterView cv{nodes_, parts};
      Status st = ps.admit(copy, cv);
      if (st.code == Code::Reject) out[id] = "rejected: " + st.message;
    }
    return out;
  };
  const auto now_plan = outcome(*plugins_, partitions_);
  const auto new_plan = outcome(*candidate, cfg->partitions);
  Json changes = Json::array();
  for (const auto& [id, was] : now_plan) {
    auto it = new_plan.find(id);
    const std::string then = it == new_plan.end() ? "?" : it->second;
    if (then == was) continue;
    const Job& j = jobs_.at(id);
    changes.push_back({{"id", id}, {"user", j.user}, {"name", j.spec.name}, {"now", was}, {"then", then}});
  }
  reply(
      r.peer,
      {{"changes", changes}, {"pending", now_plan.size()}, {"config", cfg->file}, {"plugins", candidate->describe()}});
}

}  // namespace sluice

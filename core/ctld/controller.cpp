#include "core/ctld/controller.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "core/ctld/gpus.hpp"
#include "core/ctld/handlers.hpp"
#include "core/slurm/hostlist.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice {

namespace {

constexpr std::size_t kMaxMessagesPerIteration = 4096;

// Who may send a message type.
enum class Caller : std::uint8_t {
  Anyone,  // any authenticated user (handlers check per job)
  Admin,   // root, the controller's uid, controller.admins
  Agent,   // a node agent: routing id "node:<name>" of a configured node, running as root or our uid
};

struct Route {
  std::string_view type;
  Caller caller;
  Handler handler;
};

constexpr Route kRoutes[] = {
    {"ping", Caller::Anyone, on_ping},
    {"submit", Caller::Anyone, on_submit},
    {"step", Caller::Anyone, on_step},
    {"jobs", Caller::Anyone, on_jobs},
    {"nodes", Caller::Anyone, on_nodes},
    {"cancel", Caller::Anyone, on_cancel},
    {"hold", Caller::Anyone, on_hold_request},
    {"release", Caller::Anyone, on_release_request},
    {"requeue", Caller::Anyone, on_requeue},
    {"acct", Caller::Anyone, on_acct},
    {"update_job", Caller::Anyone, on_update_job},
    {"update_node", Caller::Admin, on_update_node},
    {"reconfigure", Caller::Admin, on_reconfigure},
    {"whatif", Caller::Admin, on_whatif},
    {"register", Caller::Agent, on_register},
    {"heartbeat", Caller::Agent, on_heartbeat},
    {"job_started", Caller::Agent, on_job_started},
    {"job_ended", Caller::Agent, on_job_ended},
    {"gpu_usage", Caller::Agent, on_gpu_usage},
};

const Route* route(std::string_view type, bool from_agent) {
  for (const auto& r : kRoutes)
    if (r.type == type && (r.caller == Caller::Agent) == from_agent) return &r;
  return nullptr;
}

}  // namespace

Controller::Controller(std::shared_ptr<const Config> cfg, std::unique_ptr<PluginSet> plugins)
    : state_(std::move(cfg), std::move(plugins)), auth_(make_authenticator(state_.cfg->auth)) {
  const auto& cc = state_.cfg->controller;
  spdlog::info("recovered {} jobs from {}", state_.jobs.all().size(), cc.state_dir);
  router_.set(zmq::sockopt::router_handover, 1);
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  router_.set(zmq::sockopt::rcvhwm, 100000);
  router_.set(zmq::sockopt::sndhwm, 100000);
  router_.bind(cc.listen);
  // An ipc socket must be connectable by every user; who they are comes from its peer credentials.
  if (starts_with(cc.listen, "ipc://")) ::chmod(cc.listen.substr(6).c_str(), 0666);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigfd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

void Controller::run() {
  spdlog::info("sluicectld listening on {} ({})", state_.cfg->controller.listen, state_.plugins->describe());
  while (!stop_) {
    zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, sigfd_, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(state_.sched_needed ? 0 : 500));
    if (items[0].revents & ZMQ_POLLIN) drain_socket();
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo si{};
      while (::read(sigfd_, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
          std::vector<std::string> errors;
          reconfigure(state_, errors);
        } else {
          spdlog::info("signal {}: shutting down", si.ssi_signo);
          stop_ = true;
        }
      }
    }
    if (state_.now() != last_tick_) {
      last_tick_ = state_.now();
      tick(state_);
    }
    if (state_.sched_needed) state_.schedule();
    flush();
  }
  flush();
}

void Controller::flush() {
  state_.store.commit();  // durable before anyone hears of it
  for (const auto& [peer, id] : state_.submits) {
    const Job* j = state_.jobs.find(id);
    if (!j) continue;
    Json body = {{"job_id", id}, {"state", state_name(j->state)}, {"reason", j->reason}};
    if (!j->alloc.empty()) {
      std::vector<std::string> names;
      for (const auto& a : j->alloc) names.push_back(a.node);
      body["nodes"] = compress_hostlist(names);
    }
    state_.out.reply(peer, body);
  }
  state_.submits.clear();
  auto& items = state_.out.items();
  while (!items.empty()) {
    auto& o = items.front();
    try {
      router_.send(zmq::buffer(o.peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router_.send(zmq::buffer(o.payload), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("send to {} failed: {}", o.peer, e.what());
    }
    items.pop_front();
  }
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
    return state_.out.error(peer, "malformed request: " + err);
  }
  std::string peer_address;
  try {
    if (const char* a = frame.gets("Peer-Address")) peer_address = a;
  } catch (const zmq::error_t&) {
  }
  auto who = auth_->verify(msg->cred, peer_address, &err);
  if (!who) {
    spdlog::warn("rejected {} message: authentication failed: {}", msg->type, err);
    return state_.out.error(peer, "Authentication failure: " + err);
  }
  Request r{peer, *who, false, {}};
  const bool from_agent = starts_with(peer, "node:");
  const Route* rt = route(msg->type, from_agent);
  if (from_agent) {
    // Agents get no replies: a bad message is logged and dropped.
    r.node = peer.substr(5);
    if (who->uid != 0 && who->uid != geteuid())
      return spdlog::warn("rejected node message {} from uid {}", msg->type, who->uid);
    if (!state_.nodes.find(r.node)) return spdlog::warn("message {} from unknown node {}", msg->type, r.node);
    if (!rt) return spdlog::warn("unknown node message type {} from {}", msg->type, r.node);
  } else {
    if (!rt) return state_.out.error(peer, "unknown request type " + msg->type);
    r.admin = who->uid == 0 || who->uid == geteuid() ||
              std::ranges::find(state_.cfg->controller.admins, user_label(who->uid, kNss)) !=
                  state_.cfg->controller.admins.end();
    if (rt->caller == Caller::Admin && !r.admin) return state_.out.error(peer, "Access/permission denied");
  }
  try {
    rt->handler(state_, r, msg->body);
  } catch (const std::exception& e) {
    spdlog::warn("rejected {} message: {}", msg->type, e.what());
    if (!from_agent) state_.out.error(peer, std::string("malformed request: ") + e.what());
  }
}

}  // namespace sluice

// sluicectld: the core loop. Single-threaded: poll the ROUTER socket and a signalfd, run due
// timers, run one coalesced scheduling pass if anything changed, commit state, then send replies
// and launches (so nothing leaves before it is durable).
#pragma once
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/store.hpp"
#include "core/proto/auth.hpp"
#include "core/proto/wire.hpp"

namespace sluice {

class Controller {
 public:
  Controller(std::shared_ptr<const Config> cfg, std::unique_ptr<PluginSet> plugins);
  void run();  // until SIGTERM/SIGINT

 private:
  struct Request {
    std::string peer;  // routing id
    Identity who;
    bool admin = false;
  };
  struct Outgoing {
    std::string peer;
    std::string payload;
  };

  // Messages.
  void drain_socket();
  void dispatch(const std::string& peer, zmq::message_t& frame, const std::string& bytes);
  void reply(const std::string& peer, const Json& body) { outbox_.push_back({peer, encode_reply(body)}); }
  void reply_error(const std::string& peer, std::string_view err) { outbox_.push_back({peer, encode_error(err)}); }
  void send_node(const std::string& node, const std::string& type, Json body);
  void flush();

  // Client requests.
  void on_submit(const Request& r, const Json& b);
  void on_jobs(const Request& r, const Json& b);
  void on_nodes(const Request& r, const Json& b);
  void on_cancel(const Request& r, const Json& b);
  void on_hold(const Request& r, const Json& b, bool hold);
  void on_update_node(const Request& r, const Json& b);
  void on_acct(const Request& r, const Json& b);
  void on_reconfigure(const Request& r);
  void on_whatif(const Request& r, const Json& b);

  // Node agents.
  void on_register(const std::string& node, const Json& b);
  void on_heartbeat(const std::string& node, const Json& b);
  void on_job_started(const std::string& node, const Json& b);
  void on_job_ended(const std::string& node, const Json& b);

  // State changes.
  // One pass's verdict on a pending job.
  struct PassDecision {
    bool start = false;
    std::vector<NodeAlloc> alloc;
    std::string reason;  // when not started
    bool fault = false;  // a plugin failed
  };
  // The scheduling pass itself, over any nodes/plugins: pending jobs in priority order, each
  // decision handed to `apply` before the next job is considered. Used for real passes and for
  // what-if runs on copies.
  void plan(PluginSet& plugins, std::vector<Node>& nodes, const std::vector<Partition>& partitions,
            std::uint64_t* generation, const std::function<void(Job&, PassDecision&)>& apply);
  void schedule();
  bool dependencies(const Job& j, std::string& reason);
  std::optional<JobState> settled_state(std::uint64_t id);
  void start_job(Job& j, std::vector<NodeAlloc> alloc);
  void end_job(Job& j, JobState st, int exit_code, int sig, bool release);
  void release(Job& j);
  void kill_job(Job& j, int sig, const std::string& why);
  void node_down(Node& n, const std::string& why);
  void touch(Job& j) { store_.put(j); }
  void tick();
  void reconfigure(std::vector<std::string>& errors);
  void apply_node_admin();

  Node* node(const std::string& name);
  Job* job(std::uint64_t id);
  ClusterView view() const { return ClusterView{nodes_, partitions_, generation_}; }
  bool may_act(const Request& r, const Job& j) const { return r.admin || r.who.uid == j.uid; }
  Time now() const;

  std::shared_ptr<const Config> cfg_;
  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<Authenticator> auth_;
  Store store_;
  zmq::context_t ctx_{1};
  zmq::socket_t router_{ctx_, zmq::socket_type::router};
  int sigfd_ = -1;
  bool stop_ = false;
  bool sched_needed_ = true;
  bool plugin_trouble_ = false;  // the last pass met a plugin fault

  std::vector<Node> nodes_;
  std::vector<Partition> partitions_;
  std::map<std::uint64_t, Job> jobs_;                    // active + recently finished, by id
  std::unordered_map<std::uint64_t, JobState> settled_;  // final states of older jobs, as depended on
  std::uint64_t next_id_ = 1;
  std::uint64_t generation_ = 1;                                // bumped whenever nodes or partitions may have changed
  std::unordered_map<std::string, std::string> node_instance_;  // node -> agent instance id
  std::deque<Outgoing> outbox_;
  std::vector<std::pair<std::string, std::uint64_t>> submit_replies_;  // answered after the pass
  Time last_tick_ = 0;
};

}  // namespace sluice

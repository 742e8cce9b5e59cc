#include "core/plugin/isolated.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <zmq.hpp>

#include "core/config/config.hpp"
#include "core/proto/wire.hpp"

namespace sluice {

namespace {

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string host_binary() {
  if (const char* env = std::getenv("SLUICE_PLUGIN_HOST"); env && *env) return env;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (const auto& dir :
       {exe.parent_path(), exe.parent_path().parent_path() / "bin", exe.parent_path().parent_path() / "libexec"}) {
    auto p = dir / "sluice-plugin-host";
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  return "sluice-plugin-host";
}

Status status_from(const Json& r) {
  Status s;
  s.code = static_cast<Code>(r.value("code", static_cast<int>(Code::Error)));
  s.reason = r.value("reason", std::string());
  s.message = r.value("message", std::string());
  return s;
}

Json cluster_json(const ClusterView& c) { return {{"nodes", c.nodes}, {"partitions", c.partitions}}; }

}  // namespace

PluginHost::PluginHost(const Config& cfg, const PluginConfig& pc)
    : config_file_(cfg.file),
      point_(pc.point),
      socket_base_(cfg.controller.state_dir + "/plugin-" + pc.point + "-" + std::to_string(getpid())),
      name_(pc.point + "/" + pc.library),
      deadline_ms_(pc.deadline_ms),
      ctx_(std::make_unique<zmq::context_t>(1)) {}

PluginHost::~PluginHost() { stop(); }

void PluginHost::stop() {
  sock_.reset();
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
    pid_ = -1;
  }
  sent_generation_ = 0;
}

bool PluginHost::alive() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  spdlog::error(
      "plugin host {} (pid {}) died: {}", name_, pid_,
      WIFSIGNALED(st) ? std::string("signal ") + strsignal(WTERMSIG(st)) : "exit " + std::to_string(WEXITSTATUS(st)));
  pid_ = -1;
  sock_.reset();
  sent_generation_ = 0;
  return false;
}

bool PluginHost::start(std::vector<std::string>& errors) {
  stop();
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    errors.push_back("plugins." + point_ + ": pipe: " + std::strerror(errno));
    return false;
  }
  const std::string bin = host_binary();
  // A fresh socket per start: a reconfigure may run a new host beside the old one.
  static std::uint64_t starts = 0;
  socket_path_ = socket_base_ + "-" + std::to_string(++starts) + ".sock";
  endpoint_ = "ipc://" + socket_path_;
  // The host logs at the controller's level, in its format (to stderr, which is the controller's log).
  const std::string level(spdlog::level::to_string_view(spdlog::get_level()).data());
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(out[1], 1);
    execl(bin.c_str(), bin.c_str(), "-f", config_file_.c_str(), "-p", point_.c_str(), "-e", endpoint_.c_str(), "-l",
          level.c_str(), static_cast<char*>(nullptr));
    std::printf("cannot run %s: %s\n", bin.c_str(), std::strerror(errno));
    std::fflush(stdout);
    _exit(127);
  }
  ::close(out[1]);
  pid_ = pid;
  // The host answers READY once its plugin is loaded and configured, or prints why not and exits.
  std::string text;
  const double deadline = steady_now() + 10;
  while (steady_now() < deadline && text.find("READY\n") == std::string::npos) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (text.find("READY\n") == std::string::npos) {
    std::size_t pos = 0;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1)
      errors.push_back(text.substr(pos, nl - pos));
    if (errors.empty() || text.empty())
      errors.push_back("plugins." + point_ + ": isolated host " + bin + " did not start");
    stop();
    return false;
  }
  if (auto nl = text.find('\n'); nl != std::string::npos && text.rfind("NAME ", 0) == 0) name_ = text.substr(5, nl - 5);
  sock_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::dealer);
  sock_->set(zmq::sockopt::linger, 0);
  sock_->connect(endpoint_);
  spdlog::info("plugin host started: point={} name={} pid={} endpoint={}", point_, name_, pid_, endpoint_);
  return true;
}

namespace {
// Adds the cluster to a request unless the host already has this generation of it.
void attach_cluster(Json& req, const ClusterView& c, std::uint64_t& sent) {
  if (c.generation == 0 || c.generation != sent) {
    req["cluster"] = cluster_json(c);
    sent = c.generation;
  }
}
}  // namespace

std::optional<Json> PluginHost::call(Json request, const ClusterView& cluster, std::string* error) {
  last_call_ran_ = false;
  if (!alive()) {
    if (steady_now() < next_start_) {
      if (error) *error = "plugin host " + name_ + " is restarting";
      return std::nullopt;
    }
    std::vector<std::string> errs;
    ++restarts_;
    if (!start(errs)) {
      backoff_s_ = std::min(backoff_s_ * 2, 30.0);
      next_start_ = steady_now() + backoff_s_;
      if (error) *error = "plugin host " + name_ + " failed to restart: " + (errs.empty() ? "" : errs.front());
      return std::nullopt;
    }
  }
  // Attached only now: a host that was just (re)started has no cluster yet.
  attach_cluster(request, cluster, sent_generation_);
  request["seq"] = ++seq_;
  const std::string payload = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  sock_->send(zmq::message_t(), zmq::send_flags::sndmore);
  sock_->send(zmq::buffer(payload), zmq::send_flags::none);
  last_call_ran_ = true;
  const double deadline = steady_now() + deadline_ms_ / 1000.0;
  while (true) {
    zmq::pollitem_t item{sock_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
    if (item.revents & ZMQ_POLLIN) {
      std::vector<zmq::message_t> frames;
      for (bool more = true; more;) {
        zmq::message_t m;
        (void)sock_->recv(m, zmq::recv_flags::none);
        more = m.more();
        frames.push_back(std::move(m));
      }
      Json r = Json::parse(frames.back().to_string_view(), nullptr, false);
      if (!r.is_object() || r.value("seq", std::uint64_t{0}) != seq_) continue;  // a stale answer
      backoff_s_ = 0.1;
      return r;
    }
    if (!alive() || steady_now() > deadline) {
      const bool crashed = pid_ <= 0;
      if (error)
        *error = "plugin host " + name_ +
                 (crashed ? " crashed" : " missed its deadline of " + std::to_string(deadline_ms_) + " ms");
      if (!crashed) spdlog::error("plugin host {} missed its {} ms deadline: restarting it", name_, deadline_ms_);
      stop();
      next_start_ = steady_now() + backoff_s_;
      backoff_s_ = std::min(backoff_s_ * 2, 30.0);
      return std::nullopt;
    }
  }
}

Status IsolatedPartition::admit(const JobView& job, const ClusterView& cluster, Admission& out) {
  Json req = {{"m", "admit"}, {"job", job}, {"partition", out.partition}, {"time_limit", out.time_limit}};
  std::string err;
  auto r = host_->call(std::move(req), cluster, &err);
  if (!r) return Status::error(err);
  // Only the decision's fields are read back: whatever else the host sends cannot reach the job.
  out.partition = r->value("partition", out.partition);
  out.time_limit = r->value("time_limit", out.time_limit);
  return status_from(*r);
}

Status IsolatedPartition::gate(const JobView& job, const ClusterView& cluster) {
  Json req = {{"m", "gate"}, {"job", job}};
  std::string err;
  auto r = host_->call(std::move(req), cluster, &err);
  return r ? status_from(*r) : Status::error(err);
}

Status IsolatedSelect::feasible(const JobView& job, const ClusterView& cluster) {
  Json req = {{"m", "feasible"}, {"job", job}};
  std::string err;
  auto r = host_->call(std::move(req), cluster, &err);
  return r ? status_from(*r) : Status::error(err);
}

Status IsolatedSelect::select(const JobView& job, const ClusterView& cluster, std::vector<NodeAlloc>& out) {
  Json req = {{"m", "select"}, {"job", job}};
  std::string err;
  auto r = host_->call(std::move(req), cluster, &err);
  if (!r) return Status::error(err);
  out = r->value("alloc", std::vector<NodeAlloc>{});
  return status_from(*r);
}

std::unique_ptr<Plugin> make_isolated(const std::string& point, std::unique_ptr<PluginHost> host) {
  if (point == PartitionPolicy::kPoint) return std::make_unique<IsolatedPartition>(std::move(host));
  if (point == SelectPolicy::kPoint) return std::make_unique<IsolatedSelect>(std::move(host));
  throw std::logic_error("no isolation proxy for extension point " + point);
}

int serve_plugin(Plugin& plugin, const std::string& endpoint) {
  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::rep);
  sock.set(zmq::sockopt::linger, 0);
  sock.bind(endpoint);
  auto* partition = dynamic_cast<PartitionPolicy*>(&plugin);
  auto* select = dynamic_cast<SelectPolicy*>(&plugin);
  std::vector<Node> nodes;
  std::vector<Partition> partitions;
  std::printf("NAME %s\nREADY\n", std::string(plugin.name()).c_str());
  std::fflush(stdout);
  if (!std::freopen("/dev/null", "w", stdout)) return 1;  // nobody reads the start-up pipe any more
  for (;;) {
    zmq::message_t msg;
    if (!sock.recv(msg, zmq::recv_flags::none)) continue;
    Json reply;
    try {
      Json req = Json::parse(msg.to_string_view());
      reply["seq"] = req.value("seq", std::uint64_t{0});
      if (auto c = req.find("cluster"); c != req.end()) {
        nodes = c->at("nodes").get<std::vector<Node>>();
        partitions = c->at("partitions").get<std::vector<Partition>>();
      }
      const ClusterView cv{nodes, partitions};
      JobView job = req.at("job").get<JobView>();
      const std::string m = req.value("m", std::string());
      Status st = Status::error("unknown method " + m);
      if (m == "admit" && partition) {
        Admission a{req.value("partition", std::string()), req.value("time_limit", kNoValue)};
        st = partition->admit(job, cv, a);
        reply["partition"] = a.partition;
        reply["time_limit"] = a.time_limit;
      } else if (m == "gate" && partition) {
        st = partition->gate(job, cv);
      } else if (m == "feasible" && select) {
        st = select->feasible(job, cv);
      } else if (m == "select" && select) {
        std::vector<NodeAlloc> alloc;
        st = select->select(job, cv, alloc);
        reply["alloc"] = alloc;
      }
      reply["code"] = static_cast<int>(st.code);
      reply["reason"] = st.reason;
      reply["message"] = st.message;
    } catch (const std::exception& e) {
      reply["code"] = static_cast<int>(Code::Error);
      reply["message"] = std::string("plugin host: ") + e.what();
    }
    sock.send(zmq::buffer(reply.dump(-1, ' ', false, Json::error_handler_t::replace)), zmq::send_flags::none);
  }
}

}  // namespace sluice

// sluice local up -f CONFIG --dir DIR [--no-munge] | sluice local down --dir DIR
//
// A throwaway cluster on this machine: a private munged, one sluicectld and one sluiced per node of
// CONFIG, with state, logs and sockets under DIR and free loopback ports. The daemons run from
// DIR/sluice.toml, which includes CONFIG and sets only those ports and paths: CONFIG stays the file
// to edit before `scontrol reconfigure`.
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/rpc.hpp"

namespace sluice::cli {

namespace fs = std::filesystem;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

// Runs a program and waits for it; returns its exit status (or -1).
int run(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> v;
    for (const auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
    v.push_back(nullptr);
    execv(v[0], v.data());
    std::fprintf(stderr, "sluice local: cannot run %s\n", args[0].c_str());
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

fs::path bin_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

std::string find_daemon(const char* name) {
  for (const auto& d : {bin_dir(), bin_dir().parent_path() / "sbin"})
    if (fs::exists(d / name)) return (d / name).string();
  return name;
}

pid_t read_pid(const fs::path& f) {
  std::ifstream in(f);
  pid_t p = 0;
  in >> p;
  return p;
}

// Alive and not a zombie waiting for its (possibly lazy) reaper.
bool alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

bool stop_pid(pid_t pid, int seconds) {
  if (!alive(pid)) return false;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < seconds * 20; ++i) {
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  return true;
}

int up(const std::string& conf, const fs::path& dir, bool munge) {
  std::vector<std::string> errors;
  auto cfg = load_config(conf, errors);
  if (!cfg) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  fs::create_directories(dir / "state");
  fs::create_directories(dir / "log");
  fs::create_directories(dir / "spool");
  const fs::path d = fs::absolute(dir);
  if (fs::exists(d / "state/sluicectld.pid") && alive(read_pid(d / "state/sluicectld.pid"))) {
    std::fprintf(stderr, "sluice local: a cluster is already running in %s (sluice local down --dir %s)\n", d.c_str(),
                 d.c_str());
    return 1;
  }
  if (munge && !fs::exists("/usr/sbin/munged")) munge = false;
  // The daemons read the admin's file through an overlay that includes it and sets only what this
  // cluster needs (free ports, paths under DIR), so that editing that file and running
  // `scontrol reconfigure` takes effect.
  const fs::path admin_conf = fs::absolute(conf).lexically_normal();
  const std::string endpoint =
      munge ? "tcp://127.0.0.1:" + std::to_string(free_port()) : "ipc://" + (d / "sluicectld.sock").string();
  toml::table doc;
  doc.insert("include", admin_conf.string());
  doc.insert("controller", toml::table{{"listen", endpoint},
                                       {"address", endpoint},
                                       {"state_dir", (d / "state").string()},
                                       {"log_file", (d / "log/sluicectld.log").string()}});
  doc.insert("agent",
             toml::table{{"spool_dir", (d / "spool/%n").string()}, {"log_file", (d / "log/sluiced-%n.log").string()}});
  toml::table auth;
  if (munge) {
    fs::create_directories(d / "munge");
    fs::permissions(d / "munge", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
    if (!fs::exists(d / "munge/munge.key") &&
        run({"/usr/sbin/mungekey", "-c", "-k", (d / "munge/munge.key").string()}) != 0) {
      std::fprintf(stderr, "sluice local: mungekey failed\n");
      return 1;
    }
    if (run({"/usr/sbin/munged", "--socket=" + (d / "munge/munge.socket").string(),
             "--key-file=" + (d / "munge/munge.key").string(), "--pid-file=" + (d / "munge/munged.pid").string(),
             "--log-file=" + (d / "munge/munged.log").string(), "--seed-file=" + (d / "munge/munged.seed").string(),
             "--force"}) != 0) {
      std::fprintf(stderr, "sluice local: munged failed to start (see %s)\n", (d / "munge/munged.log").c_str());
      return 1;
    }
    auth.insert("type", "munge");
    auth.insert("socket", (d / "munge/munge.socket").string());
  } else {
    auth.insert("type", "peercred");
  }
  doc.insert_or_assign("auth", auth);
  const fs::path local_conf = d / "sluice.toml";
  {
    std::ofstream out(local_conf);
    out << "# Written by `sluice local up`. The cluster's configuration is " << admin_conf.string()
        << ":\n# edit that file, then run `scontrol reconfigure`. This file only adds what this local cluster\n"
           "# needs (ports, paths under "
        << d.string() << ") and is rewritten by every `sluice local up`.\n"
        << doc << "\n";
  }
  // Every user's commands read it.
  fs::permissions(local_conf,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  if (run({find_daemon("sluicectld"), "-f", local_conf.string()}) != 0) {
    std::fprintf(stderr, "sluice local: sluicectld failed to start (see %s)\n", (d / "log/sluicectld.log").c_str());
    return 1;
  }
  for (const auto& n : cfg->nodes) {
    if (run({find_daemon("sluiced"), "-f", local_conf.string(), "-N", n.name}) != 0) {
      std::fprintf(stderr, "sluice local: sluiced -N %s failed to start\n", n.name.c_str());
      return 1;
    }
  }
  // Wait until every node has registered.
  std::vector<std::string> lerr;
  auto lcfg = load_config(local_conf.string(), lerr);
  if (!lcfg) {
    for (const auto& e : lerr) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  Rpc rpc(lcfg, "sluice local");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    std::size_t up = 0;
    try {
      Json r = rpc.call("nodes");
      for (const auto& n : r["nodes"]) up += n.value("responding", false) ? 1 : 0;
    } catch (const RpcError&) {
    }
    if (up == cfg->nodes.size()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "sluice local: only %zu of %zu nodes registered within 30 s (logs in %s)\n", up,
                   cfg->nodes.size(), (d / "log").c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "sluice local: controller and %zu node agents up in %s (%s auth)\n"
               "sluice local: the cluster runs from %s: edit it, then run `scontrol reconfigure`\n",
               cfg->nodes.size(), d.c_str(), munge ? "munge" : "peercred", admin_conf.c_str());
  std::printf("export SLUICE_CONF=%s\n", local_conf.c_str());
  return 0;
}

int down(const fs::path& dir) {
  const fs::path d = fs::absolute(dir);
  int stopped = 0;
  if (fs::exists(d / "spool"))
    for (const auto& e : fs::directory_iterator(d / "spool"))
      if (fs::exists(e.path() / "sluiced.pid")) stopped += stop_pid(read_pid(e.path() / "sluiced.pid"), 10);
  stopped += stop_pid(read_pid(d / "state/sluicectld.pid"), 10);
  stopped += stop_pid(read_pid(d / "munge/munged.pid"), 5);
  std::fprintf(stderr, "sluice local: stopped %d processes in %s\n", stopped, d.c_str());
  return 0;
}

}  // namespace

int local(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "up" && std::string(argv[1]) != "down")) {
    std::fprintf(stderr,
                 "Usage: sluice local up -f CONFIG --dir DIR [--no-munge]\n"
                 "       sluice local down --dir DIR\n");
    return 1;
  }
  const std::string verb = argv[1];
  static const option opts[] = {
      {"dir", required_argument, nullptr, 'd'}, {"no-munge", no_argument, nullptr, 'm'}, {nullptr, 0, nullptr, 0}};
  std::string conf = default_config_path(), dir;
  bool munge = true;
  int c;
  optind = 0;
  while ((c = getopt_long(argc - 1, argv + 1, "f:d:", opts, nullptr)) != -1) {
    switch (c) {
      case 'f': conf = optarg; break;
      case 'd': dir = optarg; break;
      case 'm': munge = false; break;
      default: return 1;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "sluice local: --dir DIR is required\n");
    return 1;
  }
  try {
    return verb == "up" ? up(conf, dir, munge) : down(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice local: %s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli

#include "core/noded/devices.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

constexpr std::uint32_t kNvidiaMajor = 195;

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// The mount point of the cgroup file system whose super options contain `option` ("" with
// type cgroup2), from /proc/self/mountinfo.
std::string cgroup_mount(bool v2, const std::string& option) {
  std::ifstream f("/proc/self/mountinfo");
  for (std::string line; std::getline(f, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
    std::string id, parent, devno, root, mount, fstype, source, opts;
    pre >> id >> parent >> devno >> root >> mount;
    post >> fstype >> source >> opts;
    if (v2 && fstype == "cgroup2") return mount;
    if (!v2 && fstype == "cgroup" && ("," + opts + ",").find("," + option + ",") != std::string::npos) return mount;
  }
  return {};
}

// This process's cgroup path in the v2 hierarchy ("0::/x") or the v1 hierarchy of `controller`.
std::string own_cgroup(bool v2, const std::string& controller) {
  std::ifstream f("/proc/self/cgroup");
  for (std::string line; std::getline(f, line);) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (v2 && line.compare(0, 3, "0::") == 0) return path;
    if (!v2 && ("," + ctrls + ",").find("," + controller + ",") != std::string::npos) return path;
  }
  return {};
}

std::string join_path(const std::string& mount, const std::string& rel) { return mount + (rel == "/" ? "" : rel); }

int bpf(int cmd, bpf_attr& attr) { return static_cast<int>(syscall(SYS_bpf, cmd, &attr, sizeof attr)); }

// Loads the device program for `denied` and attaches it to the cgroup directory `dir_fd`.
bool attach_device_program(int dir_fd, const std::vector<std::uint32_t>& denied, std::string& error) {
  const std::vector<bpf_insn> prog = device_filter_program(denied);
  static const char kLicense[] = "GPL";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insn_cnt = static_cast<std::uint32_t>(prog.size());
  load.insns = reinterpret_cast<std::uint64_t>(prog.data());
  load.license = reinterpret_cast<std::uint64_t>(kLicense);
  char log[4096] = "";
  load.log_buf = reinterpret_cast<std::uint64_t>(log);
  load.log_size = sizeof log;
  load.log_level = 1;
  const int prog_fd = bpf(BPF_PROG_LOAD, load);
  if (prog_fd < 0) {
    error = std::string("loading the BPF device program: ") + std::strerror(errno);
    if (log[0]) error += std::string(": ") + std::string(log).substr(0, std::string(log).find('\n'));
    return false;
  }
  bpf_attr attach{};
  attach.target_fd = static_cast<std::uint32_t>(dir_fd);
  attach.attach_bpf_fd = static_cast<std::uint32_t>(prog_fd);
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;  // programs systemd attached above still run too
  const bool ok = bpf(BPF_PROG_ATTACH, attach) == 0;
  if (!ok) error = std::string("attaching the BPF device program: ") + std::strerror(errno);
  ::close(prog_fd);  // the attachment holds the program
  return ok;
}

bool write_file(const std::string& path, const std::string& text, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!ok) error = path + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  return ok;
}

// True when the agent directory `name` (sluiced.<node>.<pid>.<instance>, after `prefix`) belongs to
// an agent that has ended: its pid is gone. A name without a pid (an older layout) counts as ended.
// Another live agent of a node with the same name (a second cluster on the same machine, as the
// integration tests run them) keeps its directory.
bool agent_gone(const std::string& name, const std::string& prefix) {
  const std::string rest = name.substr(prefix.size());
  const auto dot = rest.find('.');
  if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789") != dot) return true;
  const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
  if (pid <= 0 || pid == static_cast<long>(getpid())) return pid <= 0;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes the empty job directories (and then the directory itself) of ended agents of this
// node: sluiced.<node>.<pid>.* next to `dir` whose pid no longer runs.
void sweep_stale(const std::string& parent, const std::string& prefix) {
  DIR* d = ::opendir(parent.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) != 0 || !agent_gone(name, prefix)) continue;
    const std::string agent_dir = parent + "/" + name;
    if (DIR* jobs = ::opendir(agent_dir.c_str())) {
      while (dirent* j = ::readdir(jobs))
        if (std::strncmp(j->d_name, "job_", 4) == 0) ::rmdir((agent_dir + "/" + j->d_name).c_str());
      ::closedir(jobs);
    }
    ::rmdir(agent_dir.c_str());
  }
  ::closedir(d);
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<std::uint32_t>& denied) {
  // r1 = struct bpf_cgroup_dev_ctx* {u32 access_type (access << 16 | type); u32 major; u32 minor}
  std::vector<bpf_insn> p;
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0));  // r2 = access_type
  p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));     // r2 = device type
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 4, 0));  // r3 = major
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 8, 0));  // r4 = minor
  const auto n = static_cast<std::int16_t>(denied.size());
  // Jumps are relative to the next instruction; "allow" follows the minor checks.
  p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, static_cast<std::int16_t>(n + 1), BPF_DEVCG_DEV_CHAR));
  p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, n, static_cast<std::int32_t>(kNvidiaMajor)));
  for (std::int16_t i = 0; i < n; ++i)  // to "deny": past the rest of the checks and "allow"
    p.push_back(insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_4, 0, static_cast<std::int16_t>(n - i - 1 + 2),
                     static_cast<std::int32_t>(denied[static_cast<std::size_t>(i)])));
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));  // allow: return 1
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  if (n == 0) return p;                                                // the verifier refuses unreachable instructions
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));  // deny: return 0
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

DeviceControl DeviceControl::probe(const std::string& node, const std::string& instance, bool try_v2) {
  DeviceControl dc;
  if (geteuid() != 0) {
    dc.why_off_ = "the agent does not run as root";
    return dc;
  }
  const std::string prefix = "sluiced." + node + ".";
  const std::string own = prefix + std::to_string(getpid()) + "." + instance;
  std::string v2_error;
  if (const std::string mount = try_v2 ? cgroup_mount(true, "") : ""; !mount.empty()) {
    const std::string parent = join_path(mount, own_cgroup(true, ""));
    sweep_stale(parent, prefix);
    const std::string dir = parent + "/" + own;
    const int fd = ::mkdir(dir.c_str(), 0755) == 0 ? ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd < 0) v2_error = "cgroup v2: " + dir + ": " + std::strerror(errno);
    if (fd >= 0 && attach_device_program(fd, {}, v2_error)) {
      dc.mode_ = Mode::CgroupV2;
      dc.dir_ = dir;
      ::close(fd);
      return dc;
    }
    if (fd >= 0) ::close(fd), ::rmdir(dir.c_str()), v2_error = "cgroup v2: " + v2_error;
  }
  if (const std::string mount = cgroup_mount(false, "devices"); !mount.empty()) {
    const std::string parent = join_path(mount, own_cgroup(false, "devices"));
    sweep_stale(parent, prefix);
    const std::string dir = parent + "/" + own;
    if (::mkdir(dir.c_str(), 0755) == 0) {
      dc.mode_ = Mode::CgroupV1;
      dc.dir_ = dir;
      dc.why_off_ = v2_error;  // why not v2, for describe()
      return dc;
    }
    dc.why_off_ = "cgroup v1 devices: " + dir + ": " + std::strerror(errno);
  }
  if (dc.why_off_.empty()) dc.why_off_ = v2_error.empty() ? "no cgroup file system is mounted" : v2_error;
  return dc;
}

std::string DeviceControl::describe() const {
  switch (mode_) {
    case Mode::CgroupV2: return "GPU device isolation: cgroup v2 (BPF device program) under " + dir_;
    case Mode::CgroupV1:
      return "GPU device isolation: cgroup v1 devices controller under " + dir_ +
             (why_off_.empty() ? "" : " (" + why_off_ + ")");
    case Mode::Off: break;
  }
  return "GPU device isolation is off (" + why_off_ +
         "): jobs see every GPU of the node; only CUDA_VISIBLE_DEVICES binds them";
}

int DeviceControl::prepare(std::uint64_t job, const std::vector<std::uint32_t>& denied, std::string& error) {
  if (mode_ == Mode::Off) return -1;
  const std::string dir = dir_ + "/job_" + std::to_string(job);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    error = dir + ": " + std::strerror(errno);
    return -1;
  }
  bool ok = true;
  if (mode_ == Mode::CgroupV2) {
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && attach_device_program(dfd, denied, error);
    if (dfd < 0) error = dir + ": " + std::strerror(errno);
    if (dfd >= 0) ::close(dfd);
  } else {
    for (auto m : denied) {
      if (!ok) break;
      ok = write_file(dir + "/devices.deny", "c " + std::to_string(kNvidiaMajor) + ":" + std::to_string(m) + " rwm",
                      error);
    }
  }
  const int procs = ok ? ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC) : -1;
  if (ok && procs < 0) error = dir + "/cgroup.procs: " + std::strerror(errno);
  if (procs < 0) ::rmdir(dir.c_str());
  return procs;
}

void DeviceControl::release(std::uint64_t job, int procs_fd) {
  if (procs_fd >= 0) ::close(procs_fd);
  if (mode_ == Mode::Off) return;
  const std::string dir = dir_ + "/job_" + std::to_string(job);
  std::string error;
  if (mode_ == Mode::CgroupV2 && ::access((dir + "/cgroup.kill").c_str(), W_OK) == 0)
    (void)write_file(dir + "/cgroup.kill", "1", error);
  if (::rmdir(dir.c_str()) != 0 && errno == EBUSY) leftover_.push_back(dir);
}

void DeviceControl::tidy() {
  std::vector<std::string> still;
  for (const auto& dir : leftover_)
    if (::rmdir(dir.c_str()) != 0 && errno == EBUSY) still.push_back(dir);
  if (still.size() < leftover_.size()) spdlog::debug("removed {} job cgroups", leftover_.size() - still.size());
  leftover_ = std::move(still);
}

void DeviceControl::close() {
  tidy();
  if (mode_ != Mode::Off) ::rmdir(dir_.c_str());
}

}  // namespace sluice

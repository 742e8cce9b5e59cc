// Device isolation on this machine's real cgroups: a child joins a job's cgroup and opens device
// nodes it made for NVIDIA's character major (195). Without a driver behind them, opening an
// allowed one fails with ENXIO/ENODEV, a denied one with EPERM. Skipped where the machine offers
// no device control (not root, no cgroup file system).
#include "core/noded/devices.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace sluice {
namespace {

TEST(DeviceFilterProgram, OneCheckPerDeniedMinor) {
  EXPECT_EQ(device_filter_program({}).size(), 8u);  // no deny block
  EXPECT_EQ(device_filter_program({1, 3}).size(), 12u);
}

// errno of open(path) in a child that first joined the cgroup behind `procs_fd` (0: it opened).
int open_errno_in_cgroup(int procs_fd, const std::string& path) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (::write(procs_fd, "0", 1) != 1) _exit(200);
    const int fd = ::open(path.c_str(), O_RDONLY);
    _exit(fd >= 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs once with cgroup v2 where the machine has it, once with cgroup v1's devices controller.
class DeviceControlModes : public ::testing::TestWithParam<bool> {};

TEST_P(DeviceControlModes, DeniesExactlyTheGpusNotGiven) {
  DeviceControl dc = DeviceControl::probe("testnode", "t" + std::to_string(getpid()), GetParam());
  if (dc.mode() == DeviceControl::Mode::Off) GTEST_SKIP() << dc.describe();
  if (GetParam() && dc.mode() != DeviceControl::Mode::CgroupV2) GTEST_SKIP() << "no cgroup v2: " << dc.describe();
  std::cout << dc.describe() << "\n";
  char tmpl[] = "/tmp/sluice-devXXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  for (int minor : {0, 1, 2})
    ASSERT_EQ(mknod((dir + "/nvidia" + std::to_string(minor)).c_str(), S_IFCHR | 0666, makedev(195, minor)), 0)
        << std::strerror(errno);

  std::string error;
  const int procs = dc.prepare(42, {0, 2}, error);  // the job holds GPU 1
  ASSERT_GE(procs, 0) << error;
  EXPECT_EQ(open_errno_in_cgroup(procs, dir + "/nvidia0"), EPERM);
  EXPECT_EQ(open_errno_in_cgroup(procs, dir + "/nvidia2"), EPERM);
  const int given = open_errno_in_cgroup(procs, dir + "/nvidia1");
  EXPECT_TRUE(given == ENXIO || given == ENODEV || given == 0) << std::strerror(given);
  EXPECT_EQ(open_errno_in_cgroup(procs, "/dev/null"), 0);  // other devices stay allowed
  dc.release(42, procs);

  const int none = dc.prepare(43, {0, 1, 2}, error);  // a job without GPUs
  ASSERT_GE(none, 0) << error;
  EXPECT_EQ(open_errno_in_cgroup(none, dir + "/nvidia1"), EPERM);
  dc.release(43, none);
  dc.close();
  for (int minor : {0, 1, 2}) ::unlink((dir + "/nvidia" + std::to_string(minor)).c_str());
  ::rmdir(dir.c_str());
}

// Two clusters on one machine may each run an agent for a node called n1: a starting agent removes
// the directories of ended agents of its node, never one whose agent still runs.
TEST(DeviceControlSweep, RemovesOnlyTheDirectoriesOfEndedAgents) {
  DeviceControl first = DeviceControl::probe("sweepnode", "first");
  if (first.mode() == DeviceControl::Mode::Off) GTEST_SKIP() << first.describe();
  const std::string parent = first.dir().substr(0, first.dir().rfind('/'));
  const pid_t live = fork();
  if (live == 0) {
    pause();
    _exit(0);
  }
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string live_dir = parent + "/sluiced.sweepnode." + std::to_string(live) + ".x";
  const std::string dead_dir = parent + "/sluiced.sweepnode." + std::to_string(dead) + ".y";
  for (const auto& d : {live_dir, dead_dir}) {
    ASSERT_EQ(::mkdir(d.c_str(), 0755), 0) << d << ": " << std::strerror(errno);
    ASSERT_EQ(::mkdir((d + "/job_1").c_str(), 0755), 0) << std::strerror(errno);
  }
  DeviceControl second = DeviceControl::probe("sweepnode", "second");
  struct stat st {};
  EXPECT_EQ(::stat((live_dir + "/job_1").c_str(), &st), 0) << "a live agent's job cgroup was removed";
  EXPECT_NE(::stat(dead_dir.c_str(), &st), 0) << "an ended agent's directory stayed";
  EXPECT_EQ(::stat(first.dir().c_str(), &st), 0) << "this process's own directory was removed";
  kill(live, SIGKILL);
  waitpid(live, nullptr, 0);
  ::rmdir((live_dir + "/job_1").c_str());
  ::rmdir(live_dir.c_str());
  ::rmdir((dead_dir + "/job_1").c_str());
  ::rmdir(dead_dir.c_str());
  second.close();
  first.close();
}

INSTANTIATE_TEST_SUITE_P(Cgroup, DeviceControlModes, ::testing::Values(true, false),
                         [](const auto& info) { return std::string(info.param ? "v2" : "v1"); });

}  // namespace
}  // namespace sluice

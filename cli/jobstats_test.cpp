// jobstats / seff: seff's lines and the GPU usage, for running and finished jobs, with and
// without samples.
#include "cli/jobstats.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

Job gpu_job(JobState state) {
  Job j;
  j.id = 7;
  j.user = "alice";
  j.group = "students";
  j.state = state;
  j.exit_code = 0;
  j.start_time = 1000;
  j.end_time = is_final(state) ? 1125 : 0;
  j.alloc = {{"g1", 4, 0, {0, 1}}};
  return j;
}

GpuUsage usage(std::uint32_t index, std::uint32_t samples, std::uint64_t util_sum, std::uint32_t util_max,
               std::uint64_t mem_sum, std::uint64_t mem_max) {
  GpuUsage u;
  u.node = "g1";
  u.index = index;
  u.type = "a40";
  u.mem_total_mb = 46068;
  u.samples = samples;
  u.util_sum = util_sum;
  u.util_max = util_max;
  u.mem_sum_mb = mem_sum;
  u.mem_max_mb = mem_max;
  return u;
}

TEST(JobstatsTest, FinishedJobWithSamples) {
  Job j = gpu_job(JobState::Completed);
  j.gpu_usage = {usage(0, 4, 290, 90, 4096, 2048), usage(1, 4, 0, 0, 4, 1)};
  EXPECT_EQ(jobstats_report(j, 5000, "gputest"),
            "Job ID: 7\n"
            "Cluster: gputest\n"
            "User/Group: alice/students\n"
            "State: COMPLETED (exit code 0)\n"
            "Nodes: 1\n"
            "Cores per node: 4\n"
            "Job Wall-clock time: 00:02:05\n"
            "GPUs: 2 (g1: 0,1)\n"
            "GPU 0 on g1 (a40), 4 samples:\n"
            "    Utilization: mean 72.50%, max 90%\n"
            "    Memory Utilized: mean 1.00 GB, max 2.00 GB (4.45% of 44.99 GB)\n"
            "GPU 1 on g1 (a40), 4 samples:\n"
            "    Utilization: mean 0.00%, max 0%\n"
            "    Memory Utilized: mean 1.00 MB, max 1.00 MB (0.00% of 44.99 GB)\n");
}

TEST(JobstatsTest, RunningJobWithoutSamplesSaysSo) {
  Job j = gpu_job(JobState::Running);
  j.gpu_idle_since = 0;
  const std::string out = jobstats_report(j, 1010, "gputest");
  EXPECT_NE(out.find("State: RUNNING\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Job Wall-clock time: 00:00:10\n"), std::string::npos) << out;
  EXPECT_NE(out.find("GPU usage: no samples"), std::string::npos) << out;
  EXPECT_NE(out.find("WARNING: Efficiency statistics may be misleading for RUNNING jobs.\n"), std::string::npos);
}

TEST(JobstatsTest, JobWithoutGpus) {
  Job j = gpu_job(JobState::Failed);
  j.exit_code = 3;
  j.alloc = {{"c1", 1, 0, {}}};
  const std::string out = jobstats_report(j, 5000, "c");
  EXPECT_NE(out.find("State: FAILED (exit code 3)\nNodes: 1\nCores per node: 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("GPUs: 0\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("GPU usage"), std::string::npos) << out;
}

TEST(JobstatsTest, FlaggedIdleJob) {
  Job j = gpu_job(JobState::Running);
  j.gpu_usage = {usage(0, 2, 0, 0, 0, 0)};
  j.gpu_idle_since = 1;
  j.gpu_idle_flagged = true;
  EXPECT_NE(jobstats_report(j, 1010, "c").find("GPUs idle since "), std::string::npos);
  EXPECT_NE(jobstats_report(j, 1010, "c").find(" (reason GpusIdle)\n"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cli

// Table-driven tests of the CLI's text output against Slurm 22.05's captures
// (shared/reference/slurm-output.md), on handcrafted jobs, nodes and partitions.
#include "cli/format.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "cli/describe.hpp"
#include "cli/sacct.hpp"
#include "cli/scontrol.hpp"
#include "cli/sinfo.hpp"
#include "cli/squeue.hpp"

namespace sluice::cli {
namespace {

// Timestamps in the captures are local time of a UTC machine.
const bool kUtc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();

constexpr Time kT0 = 1795665137;  // 2026-11-26T03:52:17

Node make_node(const std::string& name, std::uint32_t alloc_cpus = 0) {
  Node n;
  n.name = name;
  n.cpus = 8;
  n.mem_mb = 4000;
  for (std::uint32_t i = 0; i < 4; ++i) n.gpus.push_back({i, "t4"});
  n.partitions = {"prioritized", "batch"};
  n.responding = true;
  n.alloc_cpus = alloc_cpus;
  n.running_jobs = alloc_cpus ? 1 : 0;
  n.addr = "127.0.0.1";
  n.hostname = "vm";
  n.version = "22.05.8";
  n.os = "Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0";
  n.arch = "x86_64";
  n.cpu_load = 0.04;
  n.free_mem_mb = 23810;
  n.boot_time = 1795664225;
  n.agent_start_time = n.last_busy = 1795665127;
  n.last_seen = kT0;
  return n;
}

std::vector<Node> make_nodes(std::vector<std::uint32_t> alloc = {0, 0, 0, 0}) {
  std::vector<Node> v;
  for (std::size_t i = 0; i < alloc.size(); ++i) v.push_back(make_node("n" + std::to_string(i + 1), alloc[i]));
  return v;
}

std::vector<Partition> make_parts() {
  Partition p;
  p.name = "prioritized";
  p.nodes = {"n1", "n2", "n3", "n4"};
  p.nodes_expr = "n[1-4]";
  p.is_default = true;
  p.max_time = 6 * 86400;
  p.priority_tier = 10;
  Partition b = p;
  b.name = "batch";
  b.is_default = false;
  b.max_time = 12 * 3600;
  b.priority_tier = 1;
  b.preempt_mode = PreemptMode::Requeue;
  return {p, b};
}

Job make_job(std::uint64_t id, const std::string& part, const std::string& name, JobState st,
             const std::vector<std::string>& nodes = {}) {
  Job j;
  j.id = id;
  j.user = j.group = "root";
  j.spec.name = name;
  j.spec.partition = part;
  j.spec.time_limit = part == "batch" ? 12 * 3600 : 6 * 86400;
  j.spec.workdir = "/tmp/slurm-anchor/jobs";
  j.state = st;
  j.reason = "None";
  j.priority = static_cast<std::uint32_t>(4294901760ULL - id);
  j.submit_time = j.eligible_time = kT0;
  for (const auto& n : nodes) j.alloc.push_back({n, 1, 0, {}});
  if (!nodes.empty()) j.start_time = kT0 + 1;
  return j;
}

std::string squeue_text(std::vector<Job> jobs, std::string_view fmt, Time now) {
  EXPECT_FALSE(sort_jobs(jobs, kSqueueSort, now));
  const Format f = parse_format(fmt);
  std::string out = squeue_header(f);
  for (const auto& j : jobs) out += squeue_line(j, f, now);
  return out;
}

// ---- Building blocks ------------------------------------------------------------------------------

TEST(CliFormat, Pad) {
  struct Case {
    std::string_view in;
    int width;
    bool right, cut;
    std::string want;
  };
  const Case cases[] = {
      {"prioritized", 9, true, true, "prioritiz"},
      {"batch", 9, true, true, "    batch"},
      {"ab", 4, false, true, "ab  "},
      {"6-00:00:00", 9, true, false, "6-00:00:00"},
      {"x", 0, true, true, "x"},
  };
  for (const auto& c : cases) EXPECT_EQ(pad(c.in, c.width, c.right, c.cut), c.want) << c.in;
}

TEST(CliFormat, ParseFormat) {
  const Format f = parse_format("id=%.18i %-5j%P|");
  EXPECT_EQ(f.prefix, "id=");
  ASSERT_EQ(f.fields.size(), 3u);
  EXPECT_EQ(f.fields[0].code, 'i');
  EXPECT_EQ(f.fields[0].width, 18);
  EXPECT_TRUE(f.fields[0].right);
  EXPECT_EQ(f.fields[0].suffix, " ");
  EXPECT_EQ(f.fields[1].code, '-');  // Slurm has no '-' flag: the letter is '-', an unknown field
  EXPECT_EQ(f.fields[2].code, 'P');
  EXPECT_EQ(f.fields[2].suffix, "|");
}

TEST(CliFormat, ParseLongFormat) {
  std::vector<std::string> unknown;
  const Format f = parse_long_format("JobID:.8 ,name,bogus:3", kSqueueLongNames, &unknown);
  ASSERT_EQ(f.fields.size(), 2u);
  EXPECT_EQ(f.fields[0].code, 'A');
  EXPECT_EQ(f.fields[0].width, 8);
  EXPECT_TRUE(f.fields[0].right);
  EXPECT_EQ(f.fields[0].suffix, " ");
  EXPECT_EQ(f.fields[1].code, 'j');
  EXPECT_EQ(f.fields[1].width, 20);
  EXPECT_EQ(unknown, std::vector<std::string>{"bogus"});
}

TEST(CliFormat, Hostlists) {
  EXPECT_EQ(sorted_hostlist({"n10", "n2", "n1", "n3"}), "n[1-3,10]");
  Node n = make_node("n1");
  EXPECT_EQ(node_gres(n), "gpu:t4:4");
  n.gpus.push_back({4, "a10"});
  EXPECT_EQ(node_gres(n), "gpu:t4:4,gpu:a10:1");
  n.gpus.clear();
  EXPECT_EQ(node_gres(n), "(null)");
}

TEST(CliFormat, JobStates) {
  struct Case {
    std::string_view name;
    bool valid;
    JobState state;
    bool matches;  // a COMPLETING job
  };
  const Case cases[] = {
      {"PD", true, JobState::Pending, false},           {"running", true, JobState::Running, false},
      {"cg", true, JobState::Completing, true},         {"TIMEOUT", true, JobState::Timeout, false},
      {"to", true, JobState::Timeout, false},           {"bogus", false, JobState::Pending, false},
      {"COMPLETING", true, JobState::Completing, true},
  };
  Job j = make_job(26, "prioritized", "tlim", JobState::Completing, {"n2"});
  j.end_state = JobState::Cancelled;
  for (const auto& c : cases) {
    const auto f = parse_job_state(c.name);
    ASSERT_EQ(f.has_value(), c.valid) << c.name;
    if (!f) continue;
    EXPECT_EQ(f->state, c.state) << c.name;
    EXPECT_EQ(state_matches(j, *f), c.matches) << c.name;
  }
  EXPECT_FALSE(parse_job_state("suspended")->state);  // valid in Slurm, never a Sluice state
}

TEST(CliFormat, NodeStates) {
  EXPECT_EQ(parse_node_state("idle"), NodeStateFilter::Idle);
  EXPECT_EQ(parse_node_state("ALLOC"), NodeStateFilter::Alloc);
  EXPECT_EQ(parse_node_state("mix"), NodeStateFilter::Mixed);
  EXPECT_EQ(parse_node_state("dr"), NodeStateFilter::Drain);
  EXPECT_EQ(parse_node_state("drng"), NodeStateFilter::Draining);
  EXPECT_EQ(parse_node_state("d"), NodeStateFilter::Down);
  EXPECT_EQ(parse_node_state("fail"), NodeStateFilter::None);
  EXPECT_FALSE(parse_node_state("bogus"));
}

// ---- squeue --------------------------------------------------------------------------------------

TEST(CliSqueue, DefaultFormat) {  // 06_sbatch
  Job j8 = make_job(8, "prioritized", "wrap", JobState::Running, {"n1"});
  Job j9 = make_job(9, "batch", "gpuenv", JobState::Running, {"n1"});
  EXPECT_EQ(squeue_text({j8, j9}, kSqueueFormat, kT0 + 1),
            "             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)\n"
            "                 9     batch   gpuenv     root  R       0:00      1 n1\n"
            "                 8 prioritiz     wrap     root  R       0:00      1 n1\n");
  EXPECT_EQ(squeue_text({j8, j9}, kSqueueLongFormat, kT0 + 1),
            "             JOBID PARTITION     NAME     USER    STATE       TIME TIME_LIMI  NODES NODELIST(REASON)\n"
            "                 9     batch   gpuenv     root  RUNNING       0:00  12:00:00      1 n1\n"
            "                 8 prioritiz     wrap     root  RUNNING       0:00 6-00:00:00      1 n1\n");
}

TEST(CliSqueue, PendingReasonsAndTres) {  // 13_pending_reasons
  std::vector<Job> jobs;
  for (std::uint64_t id = 1; id <= 4; ++id)
    jobs.push_back(make_job(id, "batch", "fill", JobState::Running, {"n" + std::to_string(id)}));
  const char* names[] = {"waitres", "waitprio", "gpuwait"};
  const char* reasons[] = {"Resources", "Priority", "Priority"};
  for (std::uint64_t id = 5; id <= 7; ++id) {
    jobs.push_back(make_job(id, "batch", names[id - 5], JobState::Pending));
    jobs.back().reason = reasons[id - 5];
  }
  EXPECT_EQ(squeue_text(jobs, "%.18i %.9P %.8j %.8u %.8T %.10M %.9l %.6D %R %b", kT0 + 2),
            "             JOBID PARTITION     NAME     USER    STATE       TIME TIME_LIMI  NODES NODELIST(REASON) "
            "TRES_PER_NODE\n"
            "                 5     batch  waitres     root  PENDING       0:00  12:00:00      1 (Resources) N/A\n"
            "                 6     batch waitprio     root  PENDING       0:00  12:00:00      1 (Priority) N/A\n"
            "                 7     batch  gpuwait     root  PENDING       0:00  12:00:00      1 (Priority) N/A\n"
            "                 1     batch     fill     root  RUNNING       0:01  12:00:00      1 n1 N/A\n"
            "                 2     batch     fill     root  RUNNING       0:01  12:00:00      1 n2 N/A\n"
            "                 3     batch     fill     root  RUNNING       0:01  12:00:00      1 n3 N/A\n"
            "                 4     batch     fill     root  RUNNING       0:01  12:00:00      1 n4 N/A\n");
}

TEST(CliSqueue, GpuRequests) {
  Job per_node = make_job(1, "batch", "pn", JobState::Running, {"n1"});
  per_node.spec.gpus_per_node = 2;
  per_node.spec.gpu_type = "t4";
  Job per_job = make_job(2, "batch", "pj", JobState::Pending);
  per_job.spec.gpus = 5;
  Job per_task = make_job(3, "batch", "pt", JobState::Pending);
  per_task.spec.gpus_per_task = 1;
  per_task.spec.constraint = "a40";
  std::vector<std::string> unknown;
  const Format f = parse_long_format("JobID:4,tres-per-node:16,tres-per-job:14,tres-per-task:14,Feature:8",
                                     kSqueueLongNames, &unknown);
  EXPECT_TRUE(unknown.empty());
  std::string out = squeue_header(f);
  for (const Job* j : {&per_node, &per_job, &per_task}) out += squeue_line(*j, f, kT0);
  EXPECT_EQ(out,
            "JOBITRES_PER_NODE   TRES_PER_JOB  TRES_PER_TASK FEATURES\n"
            "1   gres:gpu:t4:2   N/A           N/A           (null)  \n"
            "2   N/A             gres:gpu:5    N/A           (null)  \n"
            "3   N/A             N/A           gres:gpu:1    a40     \n");
  EXPECT_EQ(squeue_line(per_node, parse_format("%b"), kT0), "gres:gpu:t4:2\n");
}

TEST(CliSqueue, CustomFormatAndInvalidLimit) {  // 10_errors
  std::vector<Job> jobs;
  for (std::uint64_t id : {11, 12, 13, 14}) {
    jobs.push_back(make_job(id, "batch", "rq", JobState::Pending));
    jobs.back().reason = "BeginTime";
  }
  const std::pair<std::uint64_t, Time> limits[] = {
      {21, 13 * 3600}, {20, 2982611LL * 86400 + 4 * 3600 + 17 * 60}, {22, 7 * 86400}, {24, 6 * 86400}};
  for (const auto& [id, limit] : limits) {
    jobs.push_back(make_job(id, id == 21 ? "batch" : "prioritized", "wrap", JobState::Pending));
    jobs.back().spec.time_limit = limit;
    jobs.back().reason = id == 24 ? "PartitionNodeLimit" : "PartitionTimeLimit";
  }
  jobs.back().spec.nodes = 5;
  EXPECT_EQ(squeue_text(jobs, "%.5i %.12P %.5D %.12l %r", kT0),
            "JOBID    PARTITION NODES   TIME_LIMIT REASON\n"
            "   11        batch     1     12:00:00 BeginTime\n"
            "   12        batch     1     12:00:00 BeginTime\n"
            "   13        batch     1     12:00:00 BeginTime\n"
            "   14        batch     1     12:00:00 BeginTime\n"
            "   21        batch     1     13:00:00 PartitionTimeLimit\n"
            "   20  prioritized     1      INVALID PartitionTimeLimit\n"
            "   22  prioritized     1   7-00:00:00 PartitionTimeLimit\n"
            "   24  prioritized     5   6-00:00:00 PartitionNodeLimit\n");
}

TEST(CliSqueue, AllStatesOrder) {  // 08_scancel, squeue -t all
  std::vector<Job> jobs;
  const auto add = [&](std::uint64_t id, const char* part, const char* name, JobState st,
                       std::vector<std::string> nodes, Time ran) {
    jobs.push_back(make_job(id, part, name, st, nodes));
    if (!nodes.empty())
      jobs.back().end_time = jobs.back().start_time + ran;
    else
      jobs.back().end_time = kT0 + 30;
  };
  add(1, "prioritized", "hostname", JobState::Completed, {"n1"}, 0);
  add(2, "prioritized", "hostname", JobState::Completed, {"n1", "n2"}, 0);
  add(3, "prioritized", "hostname", JobState::Completed, {"n1"}, 0);
  add(4, "prioritized", "env", JobState::Completed, {"n1"}, 0);
  add(5, "batch", "env", JobState::Completed, {"n1"}, 0);
  add(6, "prioritized", "bash", JobState::Completed, {"n1"}, 0);
  add(7, "prioritized", "env", JobState::Completed, {"n1"}, 0);
  add(8, "prioritized", "wrap", JobState::Cancelled, {"n1"}, 14);
  add(9, "batch", "gpuenv", JobState::Completed, {"n1"}, 5);
  add(10, "prioritized", "wrap", JobState::Cancelled, {}, 0);
  jobs.back().priority = 0;
  jobs.back().reason = "JobHeldUser";
  EXPECT_EQ(squeue_text(jobs, kSqueueFormat, kT0 + 100),
            "             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)\n"
            "                 5     batch      env     root CD       0:00      1 n1\n"
            "                 9     batch   gpuenv     root CD       0:05      1 n1\n"
            "                 8 prioritiz     wrap     root CA       0:14      1 n1\n"
            "                10 prioritiz     wrap     root CA       0:00      1 \n"
            "                 1 prioritiz hostname     root CD       0:00      1 n1\n"
            "                 2 prioritiz hostname     root CD       0:00      2 n[1-2]\n"
            "                 3 prioritiz hostname     root CD       0:00      1 n1\n"
            "                 4 prioritiz      env     root CD       0:00      1 n1\n"
            "                 6 prioritiz     bash     root CD       0:00      1 n1\n"
            "                 7 prioritiz      env     root CD       0:00      1 n1\n");
}

TEST(CliSqueue, Completing) {  // 11_timeout
  Job j = make_job(26, "prioritized", "tlim", JobState::Timeout, {"n2"});
  j.spec.time_limit = 60;
  j.end_time = j.start_time + 81;
  j.reason = "TimeLimit";
  j.state = JobState::Completing;
  j.end_state = JobState::Timeout;
  const char* fmt = "%.5i %.10T %.10l %.10M %r";
  const std::string header = "JOBID      STATE TIME_LIMIT       TIME REASON\n";
  EXPECT_EQ(squeue_text({j}, fmt, kT0 + 200), header + "   26 COMPLETING       1:00       1:21 TimeLimit\n");
  j.state = JobState::Timeout;
  EXPECT_EQ(squeue_text({j}, fmt, kT0 + 200), header + "   26    TIMEOUT       1:00       1:21 TimeLimit\n");
  EXPECT_EQ(squeue_line(j, parse_format("%t %R"), kT0), "TO (TimeLimit)\n");
}

TEST(CliSqueue, FieldsAndSort) {
  Job j = make_job(9, "batch", "gpuenv", JobState::Running, {"n1"});
  j.spec.gpus_per_node = 1;
  j.spec.gpu_type = "t4";
  j.spec.depends = {{DependKind::AfterOk, 3}};
  EXPECT_EQ(squeue_line(j, parse_format("%b|%E|%Q|%C|%S|%e|%L|%Z|%u|%U|%V"), kT0 + 61),
            "gres:gpu:t4:1|afterok:3|4294901751|1|2026-11-26T03:52:18|2026-11-26T15:52:18|11:59:00|"
            "/tmp/slurm-anchor/jobs|root|0|2026-11-26T03:52:17\n");
  EXPECT_EQ(squeue_header(parse_format("%5Z%.3q")), "WORK_QOS\n");
  std::vector<Job> jobs = {make_job(2, "b", "x", JobState::Pending), make_job(1, "a", "y", JobState::Pending)};
  EXPECT_EQ(sort_jobs(jobs, "-i", kT0), std::nullopt);
  EXPECT_EQ(jobs.front().id, 2u);
  EXPECT_EQ(sort_jobs(jobs, "j", kT0), std::nullopt);
  EXPECT_EQ(jobs.front().id, 2u);
  EXPECT_EQ(sort_jobs(jobs, "P,X", kT0), std::optional<char>('X'));
}

// ---- sinfo ---------------------------------------------------------------------------------------

std::string sinfo_text(const std::vector<Node>& nodes, std::string_view fmt, SinfoOptions o = {},
                       bool auto_part = true) {
  o.part_width_auto = auto_part;
  return sinfo_report(nodes, make_parts(), parse_format(fmt), o, true);
}

TEST(CliSinfo, Default) {  // 01_sinfo, 09_preempt_requeue, 13_pending_reasons
  struct Case {
    std::vector<std::uint32_t> alloc;
    std::string want;
  };
  const Case cases[] = {
      {{0, 0, 0, 0},
       "PARTITION    AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
       "prioritized*    up 6-00:00:00      4   idle n[1-4]\n"
       "batch           up   12:00:00      4   idle n[1-4]\n"},
      {{8, 8, 8, 8},
       "PARTITION    AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
       "prioritized*    up 6-00:00:00      4  alloc n[1-4]\n"
       "batch           up   12:00:00      4  alloc n[1-4]\n"},
      {{2, 8, 8, 8},
       "PARTITION    AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
       "prioritized*    up 6-00:00:00      1    mix n1\n"
       "prioritized*    up 6-00:00:00      3  alloc n[2-4]\n"
       "batch           up   12:00:00      1    mix n1\n"
       "batch           up   12:00:00      3  alloc n[2-4]\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(sinfo_text(make_nodes(c.alloc), kSinfoFormat), c.want);
}

TEST(CliSinfo, CustomSummaryAndMissingPartition) {  // 01_sinfo, 10_errors
  EXPECT_EQ(sinfo_text(make_nodes(), "%P %a %l %D %T %N %G", {}, false),
            "PARTITION AVAIL TIMELIMIT NODES STATE NODELIST GRES\n"
            "prioritized* up 6-00:00:00 4 idle n[1-4] gpu:t4:4\n"
            "batch up 12:00:00 4 idle n[1-4] gpu:t4:4\n");
  EXPECT_EQ(sinfo_text(make_nodes(), kSinfoSummaryFormat),
            "PARTITION    AVAIL  TIMELIMIT   NODES(A/I/O/T) NODELIST\n"
            "prioritized*    up 6-00:00:00          0/4/0/4 n[1-4]\n"
            "batch           up   12:00:00          0/4/0/4 n[1-4]\n");
  SinfoOptions o;
  o.partitions = {"nosuch"};
  EXPECT_EQ(sinfo_text(make_nodes(), kSinfoFormat, o), "PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST\n");
}

TEST(CliSinfo, NodeOriented) {  // 01_sinfo (sinfo -N -l), 13_pending_reasons
  SinfoOptions o;
  o.node_oriented = o.node_width_auto = true;
  EXPECT_EQ(sinfo_text(make_nodes(), kSinfoNodeLongFormat, o),
            "NODELIST   NODES    PARTITION       STATE CPUS    S:C:T MEMORY TMP_DISK WEIGHT AVAIL_FE REASON  "
            "            \n"
            "n1             1        batch        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n1             1 prioritized*        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n2             1        batch        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n2             1 prioritized*        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n3             1        batch        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n3             1 prioritized*        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n4             1        batch        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n"
            "n4             1 prioritized*        idle 8       1:8:1   4000        0      1   (null) none    "
            "            \n");
  SinfoOptions plain;
  plain.node_oriented = true;
  EXPECT_EQ(sinfo_text(make_nodes({8, 8, 8, 8}), "%N %P %T %c %C %G", plain, false),
            "NODELIST PARTITION STATE CPUS CPUS(A/I/O/T) GRES\n"
            "n1 batch allocated 8 8/0/0/8 gpu:t4:4\n"
            "n1 prioritized* allocated 8 8/0/0/8 gpu:t4:4\n"
            "n2 batch allocated 8 8/0/0/8 gpu:t4:4\n"
            "n2 prioritized* allocated 8 8/0/0/8 gpu:t4:4\n"
            "n3 batch allocated 8 8/0/0/8 gpu:t4:4\n"
            "n3 prioritized* allocated 8 8/0/0/8 gpu:t4:4\n"
            "n4 batch allocated 8 8/0/0/8 gpu:t4:4\n"
            "n4 prioritized* allocated 8 8/0/0/8 gpu:t4:4\n");
}

TEST(CliSinfo, DrainedDownAndFilters) {
  auto nodes = make_nodes({0, 0, 3, 0});
  nodes[1].drain = true;
  nodes[1].reason = "maint";
  nodes[1].reason_user = "root";
  nodes[1].reason_time = 1795665129;
  nodes[2].drain = true;
  nodes[2].reason = "maint";
  nodes[2].reason_user = "root";
  nodes[2].reason_time = 1795665129;
  nodes[3].responding = false;
  EXPECT_EQ(sinfo_text(nodes, kSinfoFormat),
            "PARTITION    AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
            "prioritized*    up 6-00:00:00      1  down* n4\n"
            "prioritized*    up 6-00:00:00      1   drng n3\n"
            "prioritized*    up 6-00:00:00      1  drain n2\n"
            "prioritized*    up 6-00:00:00      1   idle n1\n"
            "batch           up   12:00:00      1  down* n4\n"
            "batch           up   12:00:00      1   drng n3\n"
            "batch           up   12:00:00      1  drain n2\n"
            "batch           up   12:00:00      1   idle n1\n");
  SinfoOptions reasons;
  reasons.list_reasons = true;
  reasons.states = {NodeStateFilter::Down, NodeStateFilter::None, NodeStateFilter::Drain};
  EXPECT_EQ(sinfo_text(nodes, kSinfoReasonFormat, reasons),
            "REASON               USER      TIMESTAMP           NODELIST\n"
            "none                 Unknown   Unknown             n4\n"
            "maint                root      2026-11-26T03:52:09 n[2-3]\n");
  SinfoOptions idle;
  idle.states = {NodeStateFilter::Mixed};
  EXPECT_EQ(sinfo_text(make_nodes(), kSinfoFormat, idle),
            "PARTITION    AVAIL  TIMELIMIT  NODES  STATE NODELIST\n"
            "prioritized*    up 6-00:00:00      0    n/a \n"
            "batch           up   12:00:00      0    n/a \n");
  SinfoOptions one;
  one.nodes = {"n3"};
  EXPECT_EQ(sinfo_text(nodes, "%R %D %C %E", one, false),
            "PARTITION NODES CPUS(A/I/O/T) REASON\nprioritized 1 3/0/5/8 maint\nbatch 1 3/0/5/8 maint\n");
}

TEST(CliSinfo, GresUsed) {
  auto nodes = make_nodes({2, 0});
  nodes[0].gpu_used = {true, true, false, false};
  std::vector<std::string> unknown;
  const Format f = parse_long_format("NodeList:9,Gres:10,GresUsed:30", kSinfoLongNames, &unknown);
  EXPECT_TRUE(unknown.empty());
  SinfoOptions o;
  o.partitions = {"batch"};
  EXPECT_EQ(sinfo_report(nodes, make_parts(), f, o, true),
            "NODELIST GRES      GRES_USED                     \n"
            "n1       gpu:t4:4  gpu:t4:2(IDX:0-1)             \n"
            "n2       gpu:t4:4  gpu:t4:0(IDX:N/A)             \n");
}

TEST(CliSinfo, MinMaxValues) {
  auto nodes = make_nodes({0, 0});
  nodes[1].cpus = 16;
  nodes[1].free_mem_mb = 100;
  nodes[1].cpu_load = 1.5;
  EXPECT_EQ(sinfo_text(nodes, "%P|%c|%e|%m|%O|%z|%s|%C", {}, false),
            "PARTITION|CPUS|FREE_MEM|MEMORY|CPU_LOAD|S:C:T|JOB_SIZE|CPUS(A/I/O/T)\n"
            "prioritized*|8+|100-23810|4000|0.04-1.50|1:8+:1|1-infinite|0/24/0/24\n"
            "batch|8+|100-23810|4000|0.04-1.50|1:8+:1|1-infinite|0/24/0/24\n");
}

// ---- scontrol ------------------------------------------------------------------------------------

TEST(CliScontrol, ShowNode) {  // 03_scontrol_show_node (no Port=: Sluice agents have no port of their own)
  std::string want =
      "NodeName=n1 Arch=x86_64 CoresPerSocket=8 \n"
      "   CPUAlloc=0 CPUEfctv=8 CPUTot=8 CPULoad=0.04\n"
      "   AvailableFeatures=(null)\n"
      "   ActiveFeatures=(null)\n"
      "   Gres=gpu:t4:4\n"
      "   NodeAddr=127.0.0.1 NodeHostName=vm Port=17001 Version=22.05.8\n"
      "   OS=Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0 \n"
      "   RealMemory=4000 AllocMem=0 FreeMem=23810 Sockets=1 Boards=1\n"
      "   State=IDLE ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A\n"
      "   Partitions=prioritized,batch \n"
      "   BootTime=2026-11-26T03:37:05 SlurmdStartTime=2026-11-26T03:52:07\n"
      "   LastBusyTime=2026-11-26T03:52:07\n"
      "   CfgTRES=cpu=8,mem=4000M,billing=8,gres/gpu=4,gres/gpu:t4=4\n"  // with AccountingStorageTRES=gres/gpu
      "   AllocTRES=\n"
      "   CapWatts=n/a\n"
      "   CurrentWatts=0 AveWatts=0\n"
      "   ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s\n"
      "\n";
  want.replace(want.find("Port=17001 "), 11, "");
  EXPECT_EQ(show_node(make_node("n1"), false, false), want);
  Node busy = make_node("n1", 2);
  busy.last_busy = 1795665132;
  std::string mixed = want;
  mixed.replace(mixed.find("CPUAlloc=0"), 10, "CPUAlloc=2");
  mixed.replace(mixed.find("State=IDLE"), 10, "State=MIXED");
  mixed.replace(mixed.find("LastBusyTime=2026-11-26T03:52:07"), 32, "LastBusyTime=2026-11-26T03:52:12");
  mixed.replace(mixed.find("AllocTRES="), 10, "AllocTRES=cpu=2");
  EXPECT_EQ(show_node(busy, false, false), mixed);
  Node drained = make_node("n2");
  drained.drain = true;
  drained.reason = "maint";
  drained.reason_user = "root";
  drained.reason_time = 1795665129;
  const std::string text = show_node(drained, false, false);
  EXPECT_NE(text.find("   State=IDLE+DRAIN ThreadsPerCore=1"), std::string::npos);
  EXPECT_TRUE(text.ends_with("ExtSensorsTemp=n/s\n   Reason=maint [root@2026-11-26T03:52:09]\n\n")) << text;
  const std::string one = show_node(drained, false, true);
  EXPECT_EQ(one.find('\n'), one.size() - 1);
}

TEST(CliScontrol, ShowNodeGpusInUse) {
  Node n = make_node("n1", 2);
  n.alloc_mem_mb = 2048;
  n.gpus.push_back({4, "a10"});
  n.gpu_used = {true, true, false, false, false};
  const std::string plain = show_node(n, false, false);
  EXPECT_NE(plain.find("   Gres=gpu:t4:4,gpu:a10:1\n"), std::string::npos) << plain;  // GresUsed only with -d
  EXPECT_NE(plain.find("   CfgTRES=cpu=8,mem=4000M,billing=8,gres/gpu=5,gres/gpu:t4=4,gres/gpu:a10=1\n"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("   AllocTRES=cpu=2,mem=2G,gres/gpu=2,gres/gpu:t4=2\n"), std::string::npos) << plain;
  const std::string details = show_node(n, true, false);
  EXPECT_NE(details.find("   Gres=gpu:t4:4,gpu:a10:1 GresUsed=gpu:t4:2(IDX:0-1),gpu:a10:0(IDX:N/A)\n"),
            std::string::npos)
      << details;
  Node cpu_only = make_node("c1");
  cpu_only.gpus.clear();
  const std::string none = show_node(cpu_only, true, false);
  EXPECT_NE(none.find("   Gres=(null)\n"), std::string::npos) << none;
  EXPECT_NE(none.find("   CfgTRES=cpu=8,mem=4000M,billing=8\n"), std::string::npos) << none;
}

TEST(CliScontrol, ShowPartition) {  // 03_scontrol_show_partition
  const auto parts = make_parts();
  const auto nodes = make_nodes();
  EXPECT_EQ(show_partition(parts[0], nodes, false) + show_partition(parts[1], nodes, false),
            "PartitionName=prioritized\n"
            "   AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL\n"
            "   AllocNodes=ALL Default=YES QoS=N/A\n"
            "   DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO\n"
            "   MaxNodes=UNLIMITED MaxTime=6-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED\n"
            "   Nodes=n[1-4]\n"
            "   PriorityJobFactor=1 PriorityTier=10 RootOnly=NO ReqResv=NO OverSubscribe=NO\n"
            "   OverTimeLimit=NONE PreemptMode=OFF\n"
            "   State=UP TotalCPUs=32 TotalNodes=4 SelectTypeParameters=NONE\n"
            "   JobDefaults=(null)\n"
            "   DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED\n"
            "   TRES=cpu=32,mem=16000M,node=4,billing=32\n"
            "\n"
            "PartitionName=batch\n"
            "   AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL\n"
            "   AllocNodes=ALL Default=NO QoS=N/A\n"
            "   DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO\n"
            "   MaxNodes=UNLIMITED MaxTime=12:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED\n"
            "   Nodes=n[1-4]\n"
            "   PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO\n"
            "   OverTimeLimit=NONE PreemptMode=REQUEUE\n"
            "   State=UP TotalCPUs=32 TotalNodes=4 SelectTypeParameters=NONE\n"
            "   JobDefaults=(null)\n"
            "   DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED\n"
            "   TRES=cpu=32,mem=16000M,node=4,billing=32\n"
            "\n");
}

// 07_scontrol_show_job, except the session id (AllocNode:Sid=localhost:2563), which Sluice does not keep.
const char* const kJob8 =
    "JobId=8 JobName=wrap\n"
    "   UserId=root(0) GroupId=root(0) MCS_label=N/A\n"
    "   Priority=4294901752 Nice=0 Account=(null) QOS=(null)\n"
    "   JobState=RUNNING Reason=None Dependency=(null)\n"
    "   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0\n"
    "   RunTime=00:00:00 TimeLimit=6-00:00:00 TimeMin=N/A\n"
    "   SubmitTime=2026-11-26T03:52:17 EligibleTime=2026-11-26T03:52:17\n"
    "   AccrueTime=2026-11-26T03:52:17\n"
    "   StartTime=2026-11-26T03:52:18 EndTime=2026-12-02T03:52:18 Deadline=N/A\n"
    "   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-26T03:52:18 Scheduler=Main\n"
    "   Partition=prioritized AllocNode:Sid=localhost:0\n"
    "   ReqNodeList=(null) ExcNodeList=(null)\n"
    "   NodeList=n1\n"
    "   BatchHost=n1\n"
    "   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*\n"
    "   TRES=cpu=1,node=1,billing=1\n"
    "   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*\n"
    "   MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0\n"
    "   Features=(null) DelayBoot=00:00:00\n"
    "   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)\n"
    "   Command=(null)\n"
    "   WorkDir=/tmp/slurm-anchor/jobs\n"
    "   StdErr=/tmp/slurm-anchor/jobs/slurm-8.out\n"
    "   StdIn=/dev/null\n"
    "   StdOut=/tmp/slurm-anchor/jobs/slurm-8.out\n"
    "   Power=\n"
    "   \n"
    "\n";

TEST(CliScontrol, ShowJob) {
  const Job j8 = make_job(8, "prioritized", "wrap", JobState::Running, {"n1"});
  EXPECT_EQ(show_job(j8, kT0 + 1, make_nodes(), make_parts(), false, false), kJob8);

  Job j9 = make_job(9, "batch", "gpuenv", JobState::Running, {"n1"});
  j9.alloc[0].gpus = {0};
  j9.spec.gpus_per_node = 1;
  j9.spec.gpu_type = "t4";
  j9.stdout_path = j9.stderr_path = "/tmp/slurm-anchor/jobs/gpuenv-9.out";
  const std::string text = show_job(j9, kT0 + 1, make_nodes(), make_parts(), true, false);
  for (const char* line :
       {" ExitCode=0:0\n   DerivedExitCode=0:0\n   RunTime=00:00:00 TimeLimit=12:00:00 TimeMin=N/A\n",
        "   StartTime=2026-11-26T03:52:18 EndTime=2026-11-26T15:52:18 Deadline=N/A\n"
        "   PreemptEligibleTime=2026-11-26T03:52:18 PreemptTime=None\n",
        "   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*\n   JOB_GRES=gpu:t4:1\n"
        "     Nodes=n1 CPU_IDs=0 Mem=0 GRES=gpu:t4:1(IDX:0)\n   MinCPUsNode=1",
        "   StdErr=/tmp/slurm-anchor/jobs/gpuenv-9.out\n", "   Power=\n   TresPerNode=gres:gpu:t4:1\n   \n\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;

  Job timed = j8;  // --time-min and a lowered limit (scontrol update) show as Slurm shows them
  timed.spec.time_min = 90 * 60;
  timed.spec.time_limit = 2 * 3600;
  EXPECT_NE(show_job(timed, kT0 + 1, make_nodes(), make_parts(), false, false)
                .find(" TimeLimit=02:00:00 TimeMin=01:30:00\n   SubmitTime="),
            std::string::npos);

  Job multi = make_job(30, "prioritized", "multi", JobState::Running, {"n1", "n2"});
  multi.alloc[0].gpus = {0, 1, 3};
  multi.alloc[1].gpus = {0, 1, 3};
  multi.spec.gpus = 6;
  const std::string multi_text = show_job(multi, kT0 + 1, make_nodes(), make_parts(), true, false);
  EXPECT_NE(multi_text.find("   JOB_GRES=gpu:t4:6\n     Nodes=n[1-2] CPU_IDs=0 Mem=0 GRES=gpu:t4:3(IDX:0-1,3)\n"),
            std::string::npos)
      << multi_text;
  EXPECT_NE(multi_text.find("   Power=\n   TresPerJob=gres:gpu:6\n   \n\n"), std::string::npos);
  EXPECT_NE(multi_text.find("   TRES=cpu=2,node=2,billing=2,gres/gpu=6,gres/gpu:t4=6\n"), std::string::npos)
      << multi_text;

  Job asks = make_job(31, "batch", "asks", JobState::Pending);
  asks.spec.gpus_per_task = 2;
  asks.spec.ntasks = 2;
  asks.spec.gpu_type = "a40";
  asks.spec.cpus_per_gpu = 4;
  asks.spec.mem_per_gpu_mb = 8192;
  asks.spec.constraint = "a40|a10";
  const std::string asks_text = show_job(asks, kT0, {}, make_parts(), false, false);
  for (const char* line :
       {"   TRES=cpu=2,node=1,billing=2,gres/gpu=4,gres/gpu:a40=4\n", "   Features=a40|a10 DelayBoot",
        "   Power=\n   CpusPerTres=gres:gpu:a40:4\n   MemPerTres=gres:gpu:a40:8192\n"
        "   TresPerTask=gres:gpu:a40:2\n   \n\n"})
    EXPECT_NE(asks_text.find(line), std::string::npos) << line << "\nin:\n" << asks_text;

  Job contained = j8;  // --container: Slurm's Container= line, last
  contained.spec.container = "/images/x.sif";
  contained.spec.container_mode = "run";
  EXPECT_NE(show_job(contained, kT0 + 1, make_nodes(), make_parts(), false, false)
                .find("   Power=\n   Container=/images/x.sif ContainerID=(null)\n   \n\n"),
            std::string::npos);

  Job j5 = make_job(5, "batch", "waitres", JobState::Pending);
  j5.reason = "Resources";
  j5.spec.stdout_pattern = "out-%x.txt";
  const std::string pending = show_job(j5, kT0, {}, make_parts(), false, false);
  for (const char* line : {"   JobState=PENDING Reason=Resources Dependency=(null)\n",
                           "   StartTime=Unknown EndTime=Unknown Deadline=N/A\n", "   NodeList=(null)\n",
                           "   StdOut=/tmp/slurm-anchor/jobs/out-waitres.txt\n"})
    EXPECT_NE(pending.find(line), std::string::npos) << line;
  EXPECT_EQ(pending.find("BatchHost="), std::string::npos);
  EXPECT_EQ(pending.find("PreemptEligibleTime="), std::string::npos);
  EXPECT_TRUE(show_job(j8, kT0 + 1, {}, {}, false, true).starts_with("JobId=8 JobName=wrap UserId=root(0) "));
}

// ---- sacct ---------------------------------------------------------------------------------------

TEST(CliSacct, Lines) {
  Job j8 = make_job(8, "prioritized", "wrap", JobState::Cancelled, {"n1"});
  j8.end_time = j8.start_time + 14;
  j8.term_signal = 15;
  Job j5 = make_job(5, "batch", "a_very_long_job_name", JobState::Pending);
  std::string bad;
  const auto fields = parse_acct_fields(kSacctFormat, &bad);
  ASSERT_TRUE(fields);
  struct Case {
    Parsable p;
    std::string want;
  };
  const Case cases[] = {
      {Parsable::No,
       "JobID           JobName  Partition    Account  AllocCPUS      State ExitCode \n"
       "------------ ---------- ---------- ---------- ---------- ---------- -------- \n"
       "8                  wrap prioritiz+                     1  CANCELLED     0:15 \n"
       "5            a_very_lo+      batch                     0    PENDING      0:0 \n"},
      {Parsable::Ending,
       "JobID|JobName|Partition|Account|AllocCPUS|State|ExitCode|\n"
       "8|wrap|prioritized||1|CANCELLED|0:15|\n"
       "5|a_very_long_job_name|batch||0|PENDING|0:0|\n"},
      {Parsable::NoEnding,
       "JobID|JobName|Partition|Account|AllocCPUS|State|ExitCode\n"
       "8|wrap|prioritized||1|CANCELLED|0:15\n"
       "5|a_very_long_job_name|batch||0|PENDING|0:0\n"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(
        sacct_header(*fields, c.p) + sacct_line(j8, *fields, c.p, kT0 + 60) + sacct_line(j5, *fields, c.p, kT0 + 60),
        c.want);
  const auto custom = parse_acct_fields("jobid%-5,start,elapsed,nodelist%8,end,timelimit,restarts", &bad);
  ASSERT_TRUE(custom);
  EXPECT_EQ(sacct_line(j8, *custom, Parsable::NoEnding, kT0 + 60),
            "8|2026-11-26T03:52:18|00:00:14|n1|2026-11-26T03:52:32|6-00:00:00|0\n");
  EXPECT_EQ(sacct_line(j5, *custom, Parsable::No, kT0 + 60),
            "5                 Unknown   00:00:00 None as+             Unknown   12:00:00        0 \n");
  EXPECT_FALSE(parse_acct_fields("jobid,bogus%3", &bad));
  EXPECT_EQ(bad, "bogus%3");
}

TEST(CliSacct, Tres) {
  Job j = make_job(9, "batch", "gpuenv", JobState::Completed, {"n1"});
  j.alloc[0].gpus = {0, 1};
  j.alloc[0].mem_mb = 2048;
  j.spec.gpus_per_node = 2;
  j.spec.gpu_type = "t4";
  j.spec.mem_mb = 2048;
  std::string bad;
  const auto fields = parse_acct_fields("jobid,alloctres,reqtres,reqcpus", &bad);
  ASSERT_TRUE(fields) << bad;
  EXPECT_EQ(sacct_header(*fields, Parsable::NoEnding), "JobID|AllocTRES|ReqTRES|ReqCPUS\n");
  EXPECT_EQ(sacct_line(j, *fields, Parsable::NoEnding, kT0 + 60),
            "9|billing=1,cpu=1,gres/gpu=2,gres/gpu:t4=2,mem=2G,node=1|"
            "billing=1,cpu=1,gres/gpu=2,gres/gpu:t4=2,mem=2G,node=1|1\n");
  Job pending = make_job(10, "batch", "wait", JobState::Pending);
  EXPECT_EQ(sacct_line(pending, *fields, Parsable::NoEnding, kT0), "10||billing=1,cpu=1,node=1|1\n");
  EXPECT_EQ((*parse_acct_fields("req", &bad))[0].name, "ReqCPUS");  // prefixes still find the older fields
  EXPECT_EQ((*parse_acct_fields("alloc", &bad))[0].name, "AllocCPUS");
}

}  // namespace
}  // namespace sluice::cli

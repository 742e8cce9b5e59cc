// The scheduling pass without sockets: real plugins (partition, select_gpu) and a select fixture
// that breaks the select contract on demand, loaded by the real PluginSet from a real config.
#include "core/ctld/scheduler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sluice/ledger.hpp>

#include "core/config/config.hpp"
#include "core/ctld/plugins.hpp"
#include "core/ctld/state.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// A config with three nodes (n1, n2: 4 CPUs, 2 t4; n3: 8 CPUs, 1 a10) in partition "high" (tier 10)
// and "low" (tier 1), and `select` as the select plugin.
struct Site {
  fs::path dir;
  std::shared_ptr<const Config> cfg;
  explicit Site(const std::string& select, const std::string& partition = SLUICE_PLUGIN_DIR "/libpartition.so",
                bool isolate = false, bool preempt = false) {
    dir = fs::temp_directory_path() / ("sluice-sched-test-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "state");
    std::ofstream(dir / "site.toml") << "[controller]\nstate_dir = \"" << (dir / "state").string() << "\"\n"
                                     << "[[nodes]]\nnames = \"n[1-2]\"\ncpus = 4\nmemory = \"8G\"\ngpus = { t4 = 2 }\n"
                                     << "[[nodes]]\nnames = \"n3\"\ncpus = 8\nmemory = \"16G\"\ngpus = { a10 = 1 }\n"
                                     << "[[partitions]]\nname = \"high\"\nnodes = \"ALL\"\ndefault = true\n"
                                     << "priority_tier = 10\n"
                                     << "[[partitions]]\nname = \"low\"\nnodes = \"n[1-2]\"\npriority_tier = 1\n"
                                     << (preempt ? "preempt_mode = \"requeue\"\n" : "")
                                     << "[plugins.partition]\nlibrary = \"" << partition << "\"\n"
                                     << "isolate = " << (isolate ? "true" : "false") << "\n"
                                     << "[plugins.select]\nlibrary = \"" << select << "\"\n"
                                     << (preempt ? "[plugins.preempt]\nlibrary = \"" SLUICE_PLUGIN_DIR
                                                   "/libpreempt.so\"\n"
                                                 : "");
    std::vector<std::string> errors;
    cfg = load_config((dir / "site.toml").string(), errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  ~Site() { fs::remove_all(dir); }
  std::unique_ptr<PluginSet> plugins() const {
    std::vector<std::string> errors;
    auto p = PluginSet::load(*cfg, errors);
    EXPECT_TRUE(p) << (errors.empty() ? "" : errors.front());
    return p;
  }
  // The configured nodes, registered and idle.
  std::vector<Node> nodes() const {
    std::vector<Node> out = cfg->nodes;
    for (auto& n : out) {
      n.responding = true;
      n.gpu_used.assign(n.gpus.size(), false);
    }
    return out;
  }
};

const std::string kSelectGpu = SLUICE_PLUGIN_DIR "/libselect_gpu.so";
const std::string kLying = SLUICE_FIXTURE_DIR "/libfixture_lying_select.so";

Job job(std::uint64_t id, const std::string& partition, std::uint32_t cpus, std::uint32_t gpus = 0) {
  Job j;
  j.id = id;
  j.priority = 1000 - static_cast<std::uint32_t>(id);
  j.spec.name = "job" + std::to_string(id);
  j.spec.partition = partition;
  j.spec.cpus_per_task = cpus;
  j.spec.gpus = gpus;
  j.spec.time_limit = 60;
  return j;
}

const PassDecision& of(const std::vector<PassDecision>& ds, std::uint64_t id) {
  for (const auto& d : ds)
    if (d.job == id) return d;
  throw std::out_of_range("no decision for job " + std::to_string(id));
}

TEST(SchedulePass, TierThenPriorityAndReasons) {
  Site site(kSelectGpu);
  auto plugins = site.plugins();
  ASSERT_TRUE(plugins);
  // Job 1 (low) is older, but "high" has the higher tier: job 2 takes n3 whole first.
  std::vector<Job> jobs = {job(1, "low", 4), job(2, "high", 8), job(3, "high", 8),
                           job(4, "low", 4), job(5, "low", 4),  job(6, "low", 1)};
  jobs[5].spec.hold = true;
  jobs[5].reason = "JobHeldUser";
  std::vector<const Job*> pending;
  for (const auto& j : jobs) pending.push_back(&j);
  auto nodes = site.nodes();
  const auto ds = schedule_pass(pending, nodes, site.cfg->partitions, *plugins, {}, 1);
  ASSERT_EQ(ds.size(), jobs.size());
  EXPECT_EQ(ds.front().job, 2u) << "the higher tier is considered first";
  EXPECT_TRUE(of(ds, 2).start);
  EXPECT_EQ(of(ds, 2).alloc.front().node, "n3");
  EXPECT_EQ(of(ds, 3).reason, "Resources");
  EXPECT_TRUE(of(ds, 1).start);
  EXPECT_TRUE(of(ds, 4).start);
  EXPECT_EQ(of(ds, 5).reason, "Resources");
  EXPECT_FALSE(of(ds, 6).start);
  EXPECT_EQ(of(ds, 6).reason, "JobHeldUser");
  // The placements were taken from the copy.
  std::uint32_t used = 0;
  for (const auto& n : nodes) used += n.alloc_cpus;
  EXPECT_EQ(used, 16u);
}

TEST(SchedulePass, BehindABlockedJobIsPriority) {
  Site site(kSelectGpu);
  auto plugins = site.plugins();
  std::vector<Job> jobs = {job(1, "low", 16), job(2, "low", 16)};
  std::vector<const Job*> pending = {&jobs[0], &jobs[1]};
  auto nodes = site.nodes();
  const auto ds = schedule_pass(pending, nodes, site.cfg->partitions, *plugins, {}, 1);
  EXPECT_EQ(of(ds, 1).reason, "Resources");
  EXPECT_EQ(of(ds, 2).reason, "Priority");
}

// Preemption in one pass: every waiting job of the higher tier gets its own victims, and what a
// victim frees beyond the preempting job's needs goes to nobody while the victim still runs.
TEST(SchedulePass, PreemptionReservesAndEveryWaitingJobMayPreempt) {
  Site site(kSelectGpu, SLUICE_PLUGIN_DIR "/libpartition.so", false, true);
  auto plugins = site.plugins();
  ASSERT_TRUE(plugins && plugins->preempt());
  auto nodes = site.nodes();
  std::vector<Job> running = {job(10, "low", 4, 2), job(11, "low", 4, 2)};
  for (std::size_t i = 0; i < running.size(); ++i) {
    Job& r = running[i];
    r.state = JobState::Running;
    r.start_time = 1'700'000'000;
    r.alloc = {{i == 0 ? "n1" : "n2", 4, 0, {0, 1}}};
    for (auto& n : nodes)
      if (n.name == r.alloc.front().node) allocate(n, r.alloc.front());
  }
  std::vector<Job> jobs = {job(1, "high", 2, 1), job(2, "high", 2, 1), job(3, "low", 1)};
  jobs[0].spec.nodelist = "n1";
  jobs[1].spec.nodelist = "n2";
  jobs[2].spec.nodelist = "n1";
  std::vector<const Job*> pending = {&jobs[0], &jobs[1], &jobs[2]};
  PreemptionFacts facts;
  for (const auto& r : running) facts.running.push_back(&r);
  const auto ds = schedule_pass(pending, nodes, site.cfg->partitions, *plugins, {}, 1, 1'700'000'100, &facts);
  ASSERT_EQ(of(ds, 1).preempt.size(), 1u);
  EXPECT_EQ(of(ds, 1).preempt.front().job, 10u);
  EXPECT_EQ(of(ds, 1).reason, "Preempting");
  ASSERT_EQ(of(ds, 2).preempt.size(), 1u) << "the second waiting job preempts too: " << of(ds, 2).reason;
  EXPECT_EQ(of(ds, 2).preempt.front().job, 11u);
  EXPECT_FALSE(of(ds, 3).start) << "the CPUs job 10 frees beyond job 1's two are not free while it runs";
  for (const auto& n : nodes) EXPECT_LE(n.alloc_cpus, n.cpus) << n.name;
}

// Backfill on n3 (8 CPUs, partition "high"): job 10 runs there on 4 CPUs until now + 90 by its
// limit; job 1 needs all 8. Later jobs of lower priority start now only if they cannot delay it.
TEST(SchedulePass, BackfillNeverDelaysAReservation) {
  struct Case {
    const char* name;
    bool backfill;
    const char* node;  // -w of job 2
    Time limit;        // of job 2, seconds
    bool job2_starts;
    const char* job2_reason;
  };
  const Case cases[] = {
      {"LongJobOnTheReservedNodeWaits", true, "n3", 1000, false, "Priority"},
      {"ShortJobOnTheReservedNodeRuns", true, "n3", 60, true, ""},
      {"EndingExactlyAtTheReservationRuns", true, "n3", 90, true, ""},
      {"LongJobElsewhereRuns", true, "n1", 1000, true, ""},
      {"UnlimitedJobOnTheReservedNodeWaits", true, "n3", kUnlimited, false, "Priority"},
      {"WithoutBackfillTheFirstFitStarts", false, "n3", 1000, true, ""},
  };
  const Time now = 1'700'000'000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Site site(kSelectGpu);
    auto plugins = site.plugins();
    auto nodes = site.nodes();
    Job running = job(10, "high", 4);
    running.state = JobState::Running;
    running.start_time = now - 10;
    running.spec.time_limit = 100;
    running.alloc = {{"n3", 4, 0, {}}};
    for (auto& n : nodes)
      if (n.name == "n3") allocate(n, running.alloc.front());
    std::vector<Job> jobs = {job(1, "high", 8), job(2, "high", 2)};
    jobs[1].spec.nodelist = c.node;
    jobs[1].spec.time_limit = c.limit;
    std::vector<const Job*> pending = {&jobs[0], &jobs[1]};
    const BackfillFacts facts{{&running}};
    const auto ds = schedule_pass(pending, nodes, site.cfg->partitions, *plugins, {}, 1, now, nullptr,
                                  c.backfill ? &facts : nullptr);
    EXPECT_FALSE(of(ds, 1).start);
    EXPECT_EQ(of(ds, 1).reason, "Resources");
    if (c.backfill) {
      EXPECT_EQ(of(ds, 1).expected_start, now + 90) << "job 1 starts when job 10 reaches its limit";
    }
    EXPECT_EQ(of(ds, 2).start, c.job2_starts);
    if (!c.job2_starts) {
      EXPECT_EQ(of(ds, 2).reason, c.job2_reason);
    }
    std::uint32_t used = 0;
    for (const auto& n : nodes)
      if (n.name == "n3") used = n.alloc_cpus;
    EXPECT_EQ(used, c.job2_starts && std::string(c.node) == "n3" ? 6u : 4u) << "a job that waits took nothing";
  }
}

TEST(SchedulePass, Dependencies) {
  struct Case {
    const char* name;
    DependKind kind;
    std::optional<JobState> state;  // of job 50
    bool met;
    const char* reason;
  };
  const Case cases[] = {
      {"AfterOkCompleted", DependKind::AfterOk, JobState::Completed, true, ""},
      {"AfterOkRunning", DependKind::AfterOk, JobState::Running, false, "Dependency"},
      {"AfterOkFailed", DependKind::AfterOk, JobState::Failed, false, "DependencyNeverSatisfied"},
      {"AfterOkCompleting", DependKind::AfterOk, JobState::Completing, false, "Dependency"},
      {"AfterAnyFailed", DependKind::AfterAny, JobState::Failed, true, ""},
      {"AfterNotOkCompleted", DependKind::AfterNotOk, JobState::Completed, false, "DependencyNeverSatisfied"},
      {"AfterNotOkCancelled", DependKind::AfterNotOk, JobState::Cancelled, true, ""},
      {"AfterStarted", DependKind::After, JobState::Running, true, ""},
      {"AfterPending", DependKind::After, JobState::Pending, false, "Dependency"},
      {"Unknown", DependKind::AfterAny, std::nullopt, false, "DependencyNeverSatisfied"},
  };
  for (const auto& c : cases) {
    Job j = job(1, "high", 1);
    j.spec.depends = {{c.kind, 50}};
    DependencyFacts facts;
    if (c.state) facts[50] = *c.state;
    std::string reason;
    EXPECT_EQ(dependencies_met(j, facts, reason), c.met) << c.name;
    EXPECT_EQ(reason, c.reason) << c.name;
  }
}

// A select answer that breaks the contract is a plugin fault naming the plugin, never applied.
TEST(SchedulePass, InvalidPlacementsAreFaults) {
  Site site(kLying);
  auto plugins = site.plugins();
  ASSERT_TRUE(plugins);
  struct Case {
    const char* name;
    std::string want;  // fault text after "fixture/lying_select: "
  };
  const Case cases[] = {
      {"nosuchnode", "invalid placement: no node \"nosuchnode\""},
      {"gpu99", "invalid placement: node n1: no GPU 99"},
      {"cpus1000", "invalid placement: node n1: 1000 CPUs asked, 4 free"},
      {"twice", "invalid placement: node n1 given twice"},
      {"outside", "invalid placement: no node \"outside1\""},
      {"throw", "select.select threw: lying_select was asked to throw"},
      {"error", "lying_select was asked to fail"},
  };
  for (const auto& c : cases) {
    Job j = job(1, "high", 1);
    j.spec.name = c.name;
    auto nodes = site.nodes();
    const auto ds = schedule_pass({&j}, nodes, site.cfg->partitions, *plugins, {}, 1);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_FALSE(ds[0].start) << c.name;
    EXPECT_EQ(ds[0].reason, "PluginError") << c.name;
    EXPECT_EQ(ds[0].fault, "fixture/lying_select: " + c.want) << c.name;
    EXPECT_TRUE(ds[0].blamed) << c.name;
    for (const auto& n : nodes) EXPECT_EQ(n.alloc_cpus, 0u) << c.name;
  }
}

TEST(SchedulePass, PlacementOnADrainedNodeIsRefused) {
  Site site(kLying);
  auto plugins = site.plugins();
  Job j = job(1, "low", 1);
  auto nodes = site.nodes();
  nodes[0].drain = true;  // n1, the node the fixture answers
  auto ds = schedule_pass({&j}, nodes, site.cfg->partitions, *plugins, {}, 1);
  EXPECT_EQ(ds[0].fault,
            "fixture/lying_select: invalid placement: node n1 is not usable (down, drained or not responding)");
}

// In the live state: a job on which the plugin keeps failing is held after kMaxPluginFaults passes,
// naming the plugin, and the other jobs keep being scheduled meanwhile.
TEST(LivePass, JobThatKeepsBreakingAPluginIsHeld) {
  Site site(kLying);
  CtlState s(site.cfg, site.plugins());
  for (auto& n : s.nodes.all()) n.responding = true;
  Job bad = job(0, "high", 1);
  bad.spec.name = "gpu99";
  const std::uint64_t bad_id = s.jobs.submit(bad).id;
  for (int pass = 1; pass <= kMaxPluginFaults; ++pass) {
    Job good = job(0, "high", 1);
    const std::uint64_t good_id = s.jobs.submit(good).id;
    s.schedule();
    EXPECT_EQ(s.jobs.find(good_id)->state, JobState::Running) << "pass " << pass;
    const Job& b = *s.jobs.find(bad_id);
    EXPECT_EQ(b.state, JobState::Pending);
    if (pass < kMaxPluginFaults) {
      EXPECT_EQ(b.reason, "PluginError") << "pass " << pass;
      EXPECT_TRUE(s.plugin_trouble);
    } else {
      EXPECT_TRUE(b.spec.hold);
      EXPECT_EQ(b.reason, "PluginFault(fixture/lying_select)");
    }
  }
  s.schedule();
  EXPECT_EQ(s.jobs.find(bad_id)->reason, "PluginFault(fixture/lying_select)") << "held jobs stay held";
}

// Admission decides values; the core applies them field by field. A partition plugin that casts
// away const and rewrites the job (root's uid, another id, RUNNING) changes nothing but the
// partition and time limit, in process and isolated.
TEST(Admission, APluginCannotChangeIdentity) {
  for (bool isolate : {false, true}) {
    SCOPED_TRACE(isolate ? "isolated" : "in process");
    Site site(kSelectGpu, SLUICE_FIXTURE_DIR "/libfixture_identity_thief.so", isolate);
    auto plugins = site.plugins();
    ASSERT_TRUE(plugins);
    Job j = job(0, "", 1);
    j.uid = j.gid = 65534;
    j.user = "nobody";
    j.group = "nogroup";
    j.spec.workdir = "/tmp";
    j.spec.time_limit = kNoValue;
    const auto nodes = site.nodes();
    const Status st = plugins->admit(j, {nodes, site.cfg->partitions});
    ASSERT_TRUE(st.is_ok()) << st.message;
    EXPECT_EQ(j.spec.partition, "high");
    EXPECT_EQ(j.spec.time_limit, 3600);
    EXPECT_EQ(j.uid, 65534u);
    EXPECT_EQ(j.gid, 65534u);
    EXPECT_EQ(j.user, "nobody");
    EXPECT_EQ(j.id, 0u);
    EXPECT_EQ(j.state, JobState::Pending);
    EXPECT_EQ(j.spec.workdir, "/tmp");
  }
}

}  // namespace
}  // namespace sluice

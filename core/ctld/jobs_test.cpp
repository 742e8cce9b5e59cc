// The job life: the transition table, and Jobs::handle applying it (fields, ledger, messages,
// persistence) on a real SQLite store, without sockets.
#include "core/ctld/jobs.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "core/ctld/nodes.hpp"
#include "core/ctld/outbox.hpp"
#include "core/ctld/store.hpp"
#include "core/proto/messages.hpp"

namespace sluice {
namespace {

using S = JobState;
using E = JobEventKind;

struct Row {
  const char* name;
  S from;
  E event;
  std::optional<S> to;  // nullopt: the event is ignored in that state
  std::uint16_t actions = 0;
  bool to_end_state = false;
};

const Row kRows[] = {
    {"PendingPlaced", S::Pending, E::Placed, S::Running, kAllocate | kLaunch | kPersist},
    {"PendingCancelled", S::Pending, E::Cancelled, S::Cancelled, kPersist | kReschedule | kEnded},
    {"PendingEndReportIgnored", S::Pending, E::Completed, std::nullopt},
    {"PendingNodeFailIgnored", S::Pending, E::NodeFailed, std::nullopt},
    {"RunningConfirmed", S::Running, E::LaunchConfirmed, S::Running, kPersist},
    {"RunningCompleted", S::Running, E::Completed, S::Completed, kRelease | kPersist | kReschedule | kEnded},
    {"RunningFailed", S::Running, E::Failed, S::Failed, kRelease | kPersist | kReschedule | kEnded},
    {"RunningTimedOut", S::Running, E::TimedOut, S::Timeout, kRelease | kPersist | kReschedule | kEnded},
    {"RunningCancelledKillsFirst", S::Running, E::Cancelled, S::Completing, kKill | kPersist},
    {"RunningNodeFailed", S::Running, E::NodeFailed, S::NodeFail, kKill | kRelease | kPersist | kReschedule | kEnded},
    {"RunningLost", S::Running, E::Lost, S::NodeFail, kRelease | kPersist | kReschedule | kEnded},
    {"RunningPlacedAgainIgnored", S::Running, E::Placed, std::nullopt},
    {"CompletingReaped", S::Completing, E::Failed, S::Completing, kRelease | kPersist | kReschedule | kEnded, true},
    {"CompletingExitedZero", S::Completing, E::Completed, S::Completing, kRelease | kPersist | kReschedule | kEnded,
     true},
    {"CompletingNodeFailed", S::Completing, E::NodeFailed, S::Completing, kRelease | kPersist | kReschedule | kEnded,
     true},
    {"CompletingLost", S::Completing, E::Lost, S::Completing, kRelease | kPersist | kReschedule | kEnded, true},
    {"CompletingCancelStopsAPreemptionOrRequeue", S::Completing, E::Cancelled, S::Completing, kKill | kPersist},
    {"CompletedLaunchConfirmedKillsOrphan", S::Completed, E::LaunchConfirmed, S::Completed, kKillOrphan},
    {"CancelledLaunchConfirmedKillsOrphan", S::Cancelled, E::LaunchConfirmed, S::Cancelled, kKillOrphan},
    {"CompletedEndReportAgainIgnored", S::Completed, E::Completed, std::nullopt},
    {"FailedCancelIgnored", S::Failed, E::Cancelled, std::nullopt},
};

TEST(JobTransitions, Table) {
  for (const Row& r : kRows) {
    SCOPED_TRACE(r.name);
    const auto t = transition(r.from, r.event);
    ASSERT_EQ(t.has_value(), r.to.has_value());
    if (!t) continue;
    EXPECT_EQ(t->to, *r.to);
    EXPECT_EQ(t->actions, r.actions);
    EXPECT_EQ(t->to_end_state, r.to_end_state);
  }
}

TEST(JobTransitions, EveryRowIsUniqueAndLeavesFinalStatesAloneButForRequeue) {
  const auto& table = transition_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k)
      EXPECT_FALSE(table[i].from == table[k].from && table[i].event == table[k].event) << "row " << i;
    if (is_final(table[i].from) && table[i].event != JobEventKind::Requeue) {
      EXPECT_EQ(table[i].to, table[i].from) << "row " << i << ": a final state moved";
    }
    if (table[i].event == JobEventKind::Requeue && is_final(table[i].from)) {  // only scontrol requeue revives
      EXPECT_EQ(table[i].to, JobState::Pending) << "row " << i;
      EXPECT_TRUE(table[i].actions & kRequeue) << "row " << i;
    }
    if (table[i].actions & kRelease) {  // whatever frees resources also says a pass is owed
      EXPECT_TRUE(table[i].actions & kReschedule) << "row " << i;
    }
  }
}

// Jobs::handle on real parts: a Store in a temporary directory, a Nodes ledger, an Outbox.
class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sluice-jobs-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::make_unique<Store>(dir_.string(), "normal");
    Node n;
    n.name = "n1";
    n.cpus = 8;
    n.mem_mb = 1000;
    n.gpus = {{0, "t4"}, {1, "t4"}};
    n.responding = true;
    nodes_ = std::make_unique<Nodes>(std::vector<Node>{n});
    jobs_ = std::make_unique<Jobs>(*store_, *nodes_, out_);
  }
  void TearDown() override {
    jobs_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Job& submit() {
    Job j;
    j.spec.name = "x";
    j.spec.partition = "p";
    return jobs_->submit(j);
  }
  Job& place(Job& j) {
    JobEvent e(E::Placed);
    e.alloc = {{"n1", 4, 500, {1}}};
    EXPECT_TRUE(jobs_->handle(j, e));
    return j;
  }
  std::vector<std::string> sent_types() {
    std::vector<std::string> out;
    for (auto& item : out_.items()) {
      std::string err;
      auto m = decode(item.payload, &err);
      out.push_back(item.peer + " " + (m ? m->type : "?"));
    }
    out_.items().clear();
    return out;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Nodes> nodes_;
  Outbox out_;
  std::unique_ptr<Jobs> jobs_;
};

TEST_F(JobsTest, PlacedTakesResourcesAndLaunches) {
  Job& j = place(submit());
  EXPECT_EQ(j.state, S::Running);
  const Node& n = *nodes_->find("n1");
  EXPECT_EQ(n.alloc_cpus, 4u);
  EXPECT_EQ(n.alloc_mem_mb, 500u);
  EXPECT_EQ(n.gpu_used, (std::vector<bool>{false, true}));
  EXPECT_EQ(sent_types(), (std::vector<std::string>{"node:n1 launch"}));
  store_->commit();
  EXPECT_EQ(store_->get_job(j.id)->state, S::Running);
}

TEST_F(JobsTest, CancelOfRunningJobIsCompletingUntilReaped) {
  Job& j = place(submit());
  sent_types();
  ASSERT_TRUE(jobs_->handle(j, JobEvent(E::Cancelled)));
  EXPECT_EQ(j.state, S::Completing);
  EXPECT_EQ(j.end_state, S::Cancelled);
  EXPECT_EQ(sent_types(), (std::vector<std::string>{"node:n1 kill"}));
  EXPECT_EQ(nodes_->find("n1")->alloc_cpus, 4u) << "a completing job keeps its resources";
  EXPECT_FALSE(jobs_->handle(j, JobEvent(E::Cancelled))) << "cancelling a job being cancelled means nothing";
  const Time ended = j.end_time;
  EXPECT_GT(ended, 0);

  JobEvent reaped(E::Failed);  // killed by SIGTERM
  reaped.signal = SIGTERM;
  ASSERT_TRUE(jobs_->handle(j, reaped));
  EXPECT_EQ(j.state, S::Cancelled);
  EXPECT_EQ(j.term_signal, SIGTERM);
  EXPECT_EQ(j.end_time, ended);
  EXPECT_EQ(nodes_->find("n1")->alloc_cpus, 0u);
  EXPECT_EQ(nodes_->find("n1")->gpu_used, (std::vector<bool>{false, false}));
  EXPECT_FALSE(jobs_->handle(j, JobEvent(E::Cancelled))) << "a second cancel means nothing";
}

TEST_F(JobsTest, EndReportsDecideTheFinalState) {
  Job& ok = place(submit());
  jobs_->handle(ok, JobEvent(E::Completed));
  EXPECT_EQ(ok.state, S::Completed);
  Job& bad = place(submit());
  JobEvent failed(E::Failed);
  failed.exit_code = 3;
  jobs_->handle(bad, failed);
  EXPECT_EQ(bad.state, S::Failed);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_EQ(bad.reason, "NonZeroExitCode");
  Job& never = place(submit());  // the node could not start it (its -o directory is missing)
  JobEvent launch(E::Failed);
  launch.launch_failed = true;
  launch.launch_error = "Could not open stdout file /missing/slurm-3.out: No such file or directory";
  jobs_->handle(never, launch);
  EXPECT_EQ(never.state, S::Failed);
  EXPECT_EQ(never.reason, "JobLaunchFailure") << "a launch failure does not blame the script";
  EXPECT_EQ(never.system_comment, "Could not open stdout file /missing/slurm-3.out: No such file or directory");
  EXPECT_EQ(never.exit_code, 0);
  store_->commit();
  EXPECT_EQ(store_->get_job(never.id)->system_comment, launch.launch_error) << "kept for sacct";
  Job& slow = place(submit());
  jobs_->handle(slow, JobEvent(E::TimedOut));
  EXPECT_EQ(slow.state, S::Timeout);
  EXPECT_EQ(slow.reason, "TimeLimit");
  EXPECT_EQ(nodes_->find("n1")->alloc_cpus, 0u);
  EXPECT_TRUE(jobs_->reschedule);
}

TEST_F(JobsTest, LaunchConfirmedAfterTheEndKillsTheOrphanOnThatNode) {
  Job& j = submit();
  jobs_->handle(j, JobEvent(E::Cancelled));
  EXPECT_EQ(j.state, S::Cancelled);
  sent_types();
  JobEvent late(E::LaunchConfirmed);
  late.from_node = "n1";
  ASSERT_TRUE(jobs_->handle(j, late));
  EXPECT_EQ(sent_types(), (std::vector<std::string>{"node:n1 kill"}));
  EXPECT_FALSE(j.launched);
}

TEST_F(JobsTest, NodeFailureKillsAndFrees) {
  Job& j = place(submit());
  sent_types();
  jobs_->handle(j, JobEvent(E::NodeFailed));
  EXPECT_EQ(j.state, S::NodeFail);
  EXPECT_EQ(sent_types(), (std::vector<std::string>{"node:n1 kill"}));
  EXPECT_EQ(nodes_->find("n1")->running_jobs, 0u);
}

TEST_F(JobsTest, ExpireForgetsOnlyOldFinishedJobs) {
  Job& done = place(submit());
  jobs_->handle(done, JobEvent(E::Completed));
  const std::uint64_t done_id = done.id;
  Job& waiting = submit();
  const std::uint64_t waiting_id = waiting.id;
  store_->commit();
  jobs_->expire(done.end_time + 1);
  EXPECT_EQ(jobs_->find(done_id), nullptr);
  EXPECT_NE(jobs_->find(waiting_id), nullptr);
  EXPECT_EQ(jobs_->state_of(done_id), S::Completed) << "a dependency on it still resolves, from the store";
  EXPECT_EQ(jobs_->state_of(12345), std::nullopt);
}

// Kill messages sent, as "<node> <reason> <signal> <grace> <batch_only>".
std::vector<std::string> kills(Outbox& out) {
  std::vector<std::string> v;
  for (auto& item : out.items()) {
    std::string err;
    auto m = decode(item.payload, &err);
    if (!m || m->type != Kill::kType) continue;
    const Kill k = parse_body<Kill>(m->body);
    v.push_back(item.peer + " " + k.reason + " " + std::to_string(k.signal) + " " + std::to_string(k.grace) + " " +
                std::to_string(k.batch_only));
  }
  out.items().clear();
  return v;
}

TEST_F(JobsTest, PreemptedJobGetsItsSignalAndGraceAndHoldsResourcesUntilReaped) {
  Job& j = submit();
  j.spec.signal = {SIGUSR1, 60, true};
  place(j);
  sent_types();
  JobEvent e(E::Preempted);
  e.preempt = {j.id, PreemptMode::Requeue, 20};
  e.preempted_for = 99;
  ASSERT_TRUE(jobs_->handle(j, e));
  EXPECT_EQ(j.state, S::Completing);
  EXPECT_EQ(j.end_state, S::Preempted);
  EXPECT_EQ(j.preempted_for, 99u);
  EXPECT_GT(j.preempt_time, 0);
  const auto k = kills(out_);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_TRUE(k[0] == "node:n1 preempt 10 20 1" || k[0] == "node:n1 preempt 10 19 1") << k[0];
  EXPECT_EQ(nodes_->find("n1")->alloc_cpus, 4u) << "a victim holds its resources until its processes are gone";
}

TEST_F(JobsTest, EndDecisionRequeueReturnsTheSameIdPendingWithTheRunRecorded) {
  Job& j = place(submit());
  const std::uint64_t id = j.id;
  j.spec.open_append = false;
  JobEvent p(E::Preempted);
  p.preempt = {j.id, PreemptMode::Requeue, 0};
  p.preempted_for = 7;
  jobs_->handle(j, p);
  JobEvent reaped(E::Failed);
  reaped.signal = SIGTERM;
  reaped.end = {EndAction::Requeue, RequeuePin::GpuType, 30, true, {}};
  ASSERT_TRUE(jobs_->handle(j, reaped));
  EXPECT_EQ(j.id, id);
  EXPECT_EQ(j.state, S::Pending);
  EXPECT_EQ(j.restarts, 1u);
  EXPECT_EQ(j.reason, "BeginTime");
  EXPECT_GE(j.eligible_time, j.submit_time + 30);
  EXPECT_TRUE(j.alloc.empty());
  EXPECT_EQ(j.spec.gpu_type, "t4") << "pinned to the GPU type of the run";
  EXPECT_TRUE(j.spec.open_append) << "the next run appends";
  EXPECT_EQ(j.preempt_mode, PreemptMode::Off);
  EXPECT_EQ(nodes_->find("n1")->alloc_cpus, 0u);
  store_->commit();
  AcctQuery q;
  q.duplicates = true;
  const auto rows = store_->query(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, S::Preempted) << "the first run, as sacct -D lists it";
  EXPECT_EQ(rows[0].term_signal, SIGTERM) << "the run keeps how it ended";
  EXPECT_EQ(j.term_signal, 0) << "the requeued job shows ExitCode 0:0, as Slurm";
  EXPECT_EQ(rows[0].restarts, 0u);
  EXPECT_EQ(rows[1].state, S::Pending);
  EXPECT_EQ(store_->query(AcctQuery{}).size(), 1u) << "without -D only the current record";
}

TEST_F(JobsTest, EndDecisionHoldKeepsTheJobPendingHeldWithTheReason) {
  Job& j = place(submit());
  JobEvent ended(E::TimedOut);
  ended.end = {EndAction::Hold, RequeuePin::None, 0, true, "JobHoldMaxRequeue"};
  jobs_->handle(j, ended);
  EXPECT_EQ(j.state, S::Pending);
  EXPECT_TRUE(j.spec.hold);
  EXPECT_EQ(j.priority, 0u);
  EXPECT_EQ(j.reason, "JobHoldMaxRequeue");
}

TEST_F(JobsTest, RequeueOfARunningJobKillsItAndComesBackAfterTheReap) {
  Job& j = place(submit());
  sent_types();
  JobEvent rq(E::Requeue);
  rq.hold = true;
  ASSERT_TRUE(jobs_->handle(j, rq));
  EXPECT_EQ(j.state, S::Completing);
  EXPECT_EQ(j.end_state, S::Requeued);
  EXPECT_TRUE(j.requeue_hold);
  EXPECT_EQ(kills(out_), (std::vector<std::string>{"node:n1 requeue 15 0 0"}));
  JobEvent reaped(E::Failed);
  reaped.signal = SIGTERM;
  reaped.end = {EndAction::Hold, RequeuePin::None, 0, true, kRequeuedHeld};
  jobs_->handle(j, reaped);
  EXPECT_EQ(j.state, S::Pending);
  EXPECT_EQ(j.reason, kRequeuedHeld);
  EXPECT_EQ(j.restarts, 1u);
}

TEST_F(JobsTest, RequeueOfAFinishedJobMakesItPendingAgain) {
  Job& j = place(submit());
  jobs_->handle(j, JobEvent(E::TimedOut));
  ASSERT_EQ(j.state, S::Timeout);
  ASSERT_TRUE(jobs_->handle(j, JobEvent(E::Requeue)));
  EXPECT_EQ(j.state, S::Pending);
  EXPECT_EQ(j.restarts, 1u);
  EXPECT_TRUE(jobs_->reschedule);
  store_->commit();
  AcctQuery q;
  q.duplicates = true;
  const auto rows = store_->query(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, S::Timeout);
  EXPECT_FALSE(jobs_->handle(j, JobEvent(E::Requeue))) << "a pending job has nothing to requeue";
}

TEST_F(JobsTest, CancelDuringThePreemptionGraceEndsCancelledNotRequeued) {
  Job& j = place(submit());
  JobEvent p(E::Preempted);
  p.preempt = {j.id, PreemptMode::Requeue, 60};
  jobs_->handle(j, p);
  kills(out_);
  ASSERT_TRUE(jobs_->handle(j, JobEvent(E::Cancelled)));
  EXPECT_EQ(j.state, S::Completing);
  EXPECT_EQ(j.end_state, S::Cancelled);
  EXPECT_EQ(kills(out_), (std::vector<std::string>{"node:n1 cancel 15 0 0"}));
  JobEvent reaped(E::Failed);
  reaped.signal = SIGTERM;
  jobs_->handle(j, reaped);
  EXPECT_EQ(j.state, S::Cancelled);
  EXPECT_EQ(j.restarts, 0u);
}

TEST_F(JobsTest, APendingJobCancelledForgetsItsExpectedStart) {
  Job& j = submit();
  j.start_time = 1'900'000'000;  // the pass's estimate
  jobs_->handle(j, JobEvent(E::Cancelled));
  EXPECT_EQ(j.state, S::Cancelled);
  EXPECT_EQ(j.start_time, 0);
}

}  // namespace
}  // namespace sluice

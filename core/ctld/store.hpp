// Durable state in SQLite (WAL): every job row holds the job's JSON. Writes are queued during a loop
// iteration and committed together (group commit) before any reply or launch leaves the controller.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <vector>

#include "core/model/job.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice {

struct NodeAdmin {
  bool drain = false, down = false;
  std::string reason, user;
  Time time = 0;
};

struct AcctQuery {
  std::vector<std::uint64_t> ids;  // empty: any
  std::optional<std::uint32_t> uid;
  Time since = 0;  // submit_time >= since
  std::size_t limit = 100000;
  bool duplicates = false;  // sacct -D: also every earlier run of requeued jobs
};

class Store {
 public:
  // Creates dir and schema; `sync` is "normal" or "full" (see ControllerConfig). Throws std::runtime_error.
  Store(const std::string& dir, const std::string& sync);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Jobs not final, plus final ones that ended at or after `finished_since`.
  std::vector<Job> load_jobs(Time finished_since);
  std::uint64_t max_job_id();
  std::map<std::string, NodeAdmin> load_node_admin();
  std::optional<Job> get_job(std::uint64_t id);
  // Jobs as sacct lists them, by id; with q.duplicates each job's earlier runs (put_run) come
  // before its current record, oldest first.
  std::vector<Job> query(const AcctQuery& q);

  void put(const Job& job);  // queued until commit()
  // A run of a requeued job that ended (job.restarts: which run), for sacct -D; queued until commit().
  void put_run(const Job& run);
  void put_node_admin(const std::string& node, const NodeAdmin& a);
  std::size_t commit();  // one transaction for everything queued; returns rows written

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_job_ = nullptr;
  std::map<std::uint64_t, Job> queued_jobs_;  // last write wins
  std::map<std::pair<std::uint64_t, std::uint32_t>, Job> queued_runs_;
  std::map<std::string, NodeAdmin> queued_nodes_;
};

}  // namespace sluice

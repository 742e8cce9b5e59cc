#include "core/ctld/store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>

#include "core/proto/wire.hpp"

namespace sluice {

namespace {
struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
};

Job job_from_row(sqlite3_stmt* s) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  return Json::parse(text ? text : "{}").get<Job>();
}
}  // namespace

Store::Store(const std::string& dir, const std::string& sync) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/sluice.db";
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
    throw std::runtime_error("cannot open state database " + path + ": " + sqlite3_errmsg(db_));
  exec("PRAGMA journal_mode=WAL");
  exec(sync == "full" ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA busy_timeout=5000");
  exec(
      "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, uid INTEGER, state TEXT, submit INTEGER,"
      " finished INTEGER, end_time INTEGER, data TEXT NOT NULL)");
  exec("CREATE INDEX IF NOT EXISTS jobs_active ON jobs(finished, end_time)");
  exec(
      "CREATE TABLE IF NOT EXISTS job_runs (id INTEGER, run INTEGER, uid INTEGER, submit INTEGER, data TEXT NOT NULL,"
      " PRIMARY KEY (id, run))");
  exec(
      "CREATE TABLE IF NOT EXISTS nodes (name TEXT PRIMARY KEY, drain INTEGER, down INTEGER, reason TEXT,"
      " user TEXT, time INTEGER)");
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO jobs (id, uid, state, submit, finished, end_time, data)"
                         " VALUES (?,?,?,?,?,?,?)",
                         -1, &put_job_, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
}

Store::~Store() {
  sqlite3_finalize(put_job_);
  sqlite3_close(db_);
}

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    throw std::runtime_error(std::string("sqlite: ") + msg + " (" + sql + ")");
  }
}

std::vector<Job> Store::load_jobs(Time finished_since) {
  Stmt st(db_, "SELECT data FROM jobs WHERE finished = 0 OR end_time >= ? ORDER BY id");
  sqlite3_bind_int64(st.s, 1, finished_since);
  std::vector<Job> out;
  while (sqlite3_step(st.s) == SQLITE_ROW) out.push_back(job_from_row(st.s));
  return out;
}

std::uint64_t Store::max_job_id() {
  Stmt st(db_, "SELECT COALESCE(MAX(id), 0) FROM jobs");
  return sqlite3_step(st.s) == SQLITE_ROW ? static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 0)) : 0;
}

std::map<std::string, NodeAdmin> Store::load_node_admin() {
  Stmt st(db_, "SELECT name, drain, down, reason, user, time FROM nodes");
  std::map<std::string, NodeAdmin> out;
  while (sqlite3_step(st.s) == SQLITE_ROW) {
    auto txt = [&](int c) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st.s, c));
      return std::string(t ? t : "");
    };
    out[txt(0)] = NodeAdmin{sqlite3_column_int(st.s, 1) != 0, sqlite3_column_int(st.s, 2) != 0, txt(3), txt(4),
                            sqlite3_column_int64(st.s, 5)};
  }
  return out;
}

std::optional<Job> Store::get_job(std::uint64_t id) {
  if (auto it = queued_jobs_.find(id); it != queued_jobs_.end()) return it->second;
  Stmt st(db_, "SELECT data FROM jobs WHERE id = ?");
  sqlite3_bind_int64(st.s, 1, static_cast<sqlite3_int64>(id));
  if (sqlite3_step(st.s) == SQLITE_ROW) return job_from_row(st.s);
  return std::nullopt;
}

std::vector<Job> Store::query(const AcctQuery& q) {
  std::string where = " WHERE submit >= ?";
  if (q.uid) where += " AND uid = " + std::to_string(*q.uid);
  if (!q.ids.empty()) {
    where += " AND id IN (";
    for (std::size_t i = 0; i < q.ids.size(); ++i) where += (i ? "," : "") + std::to_string(q.ids[i]);
    where += ")";
  }
  // Current records sort after their earlier runs: a run's key is its restart count, the current
  // record's is the largest possible.
  std::string sql = "SELECT data, id, 4294967296 AS run FROM jobs" + where;
  if (q.duplicates) sql += " UNION ALL SELECT data, id, run FROM job_runs" + where;
  sql += " ORDER BY id, run LIMIT " + std::to_string(q.limit);
  Stmt st(db_, sql);
  sqlite3_bind_int64(st.s, 1, q.since);
  if (q.duplicates) sqlite3_bind_int64(st.s, 2, q.since);
  std::vector<Job> out;
  while (sqlite3_step(st.s) == SQLITE_ROW) out.push_back(job_from_row(st.s));
  return out;
}

void Store::put(const Job& job) { queued_jobs_[job.id] = job; }

void Store::put_run(const Job& run) { queued_runs_[{run.id, run.restarts}] = run; }

void Store::put_node_admin(const std::string& node, const NodeAdmin& a) { queued_nodes_[node] = a; }

std::size_t Store::commit() {
  if (queued_jobs_.empty() && queued_nodes_.empty() && queued_runs_.empty()) return 0;
  exec("BEGIN IMMEDIATE");
  try {
    for (const auto& [id, job] : queued_jobs_) {
      const std::string data = Json(job).dump(-1, ' ', false, Json::error_handler_t::replace);
      sqlite3_reset(put_job_);
      sqlite3_bind_int64(put_job_, 1, static_cast<sqlite3_int64>(id));
      sqlite3_bind_int64(put_job_, 2, job.uid);
      sqlite3_bind_text(put_job_, 3, state_name(job.state), -1, SQLITE_STATIC);
      sqlite3_bind_int64(put_job_, 4, job.submit_time);
      sqlite3_bind_int(put_job_, 5, is_final(job.state) ? 1 : 0);
      sqlite3_bind_int64(put_job_, 6, job.end_time);
      sqlite3_bind_text(put_job_, 7, data.c_str(), static_cast<int>(data.size()), SQLITE_STATIC);
      if (sqlite3_step(put_job_) != SQLITE_DONE)
        throw std::runtime_error(std::string("sqlite insert: ") + sqlite3_errmsg(db_));
    }
    for (const auto& [key, run] : queued_runs_) {
      Stmt st(db_, "INSERT OR REPLACE INTO job_runs (id, run, uid, submit, data) VALUES (?,?,?,?,?)");
      const std::string data = Json(run).dump(-1, ' ', false, Json::error_handler_t::replace);
      sqlite3_bind_int64(st.s, 1, static_cast<sqlite3_int64>(key.first));
      sqlite3_bind_int64(st.s, 2, key.second);
      sqlite3_bind_int64(st.s, 3, run.uid);
      sqlite3_bind_int64(st.s, 4, run.submit_time);
      sqlite3_bind_text(st.s, 5, data.c_str(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(st.s) != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }
    for (const auto& [name, a] : queued_nodes_) {
      Stmt st(db_, "INSERT OR REPLACE INTO nodes (name, drain, down, reason, user, time) VALUES (?,?,?,?,?,?)");
      sqlite3_bind_text(st.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(st.s, 2, a.drain);
      sqlite3_bind_int(st.s, 3, a.down);
      sqlite3_bind_text(st.s, 4, a.reason.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 5, a.user.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st.s, 6, a.time);
      if (sqlite3_step(st.s) != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
  std::size_t n = queued_jobs_.size() + queued_nodes_.size() + queued_runs_.size();
  queued_jobs_.clear();
  queued_runs_.clear();
  queued_nodes_.clear();
  return n;
}

}  // namespace sluice

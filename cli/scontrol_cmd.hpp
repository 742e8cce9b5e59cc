// The scontrol command's interpreter, shared by its files: scontrol.cpp (commands, show, reconfigure,
// whatif, ping, the command loop) and scontrol_update.cpp (update of nodes and jobs, hold,
// release, requeue). Internal to the CLI.
#pragma once
#include <cstdio>
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/rpc.hpp"
#include "core/config/config.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

// Slurm's keyword matching: `tag` is a case-insensitive prefix of `word` at least `min` long.
inline bool keyword(const std::string& tag, std::string_view word, std::size_t min) {
  return tag.size() >= min && tag.size() <= word.size() && to_lower(tag) == word.substr(0, tag.size());
}

class Scontrol {
 public:
  Scontrol(Rpc& rpc, bool details, bool one_liner)
      : cfg_(rpc.config()), rpc_(rpc), details_(details), one_liner_(one_liner) {}

  // Runs one command; false when it asks to leave (exit, quit).
  bool run(const std::vector<std::string>& argv);
  int exit_code() const { return exit_code_; }

 private:
  void fail(const std::string& msg) {
    std::fprintf(stderr, "%s\n", msg.c_str());
    exit_code_ = 1;
  }
  void show(const std::vector<std::string>& argv);
  void show_jobs(const std::string& id);
  void show_nodes(const std::string& names);
  void show_partitions(const std::string& name);
  void show_config();
  void update(const std::vector<std::string>& argv);
  void update_job(const std::vector<std::string>& argv);
  std::optional<Time> current_time_limit(std::uint64_t id);
  void hold(const std::string& op, const std::string& arg);
  void requeue(bool hold, const std::string& arg);
  void reconfigure();
  void whatif(const std::vector<std::string>& argv);
  void print_whatif_jobs(const Json& jobs, const std::vector<std::string>& requests);
  void ping();
  void print_ping(bool up);

  const Config& cfg_;
  Rpc& rpc_;
  bool details_, one_liner_;
  int exit_code_ = 0;
};

}  // namespace sluice::cli

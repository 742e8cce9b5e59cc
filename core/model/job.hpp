// The controller's job record: what plugins see (JobView) plus the core's own bookkeeping. Stored
// in SQLite and sent on the wire (core/proto/wire.hpp) in this form; only Jobs::handle changes it.
#pragma once
#include <sluice/model.hpp>
#include <string>

namespace sluice {

struct Job : JobView {
  JobState end_state = JobState::Pending;  // while COMPLETING: the final state it will take
  bool launched = false;                   // the node agent confirmed the launch
  std::string stdout_path, stderr_path;    // resolved at launch
};

}  // namespace sluice

// Internal to core/config (other code includes config.hpp): the problems a config file has, each
// reported as "file:line:col: dotted.path: why", all of them at once, and the small helpers that
// word them.
#pragma once
#include <toml++/toml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::config_reader {

// "string", "integer", ... as messages name a TOML type.
std::string type_name(toml::node_type t);
std::string in_quotes(std::string_view s);
// "line:col".
std::string position(const toml::source_position& at);
// The file a value was read from (`fallback` when the parser recorded none).
std::string file_of(const toml::source_region& at, const std::string& fallback);

// The problems found so far, each at the position it refers to; flushed in file order (the files
// in the order they were read), then line and column. A client's diagnostics keep only the
// problems of the keys it needs (the controller's endpoint and authentication; see
// load_client_config).
class Diagnostics {
 public:
  Diagnostics(std::string file, bool client) : files_{std::move(file)}, client_(client) {}

  void add(const toml::source_region& at, std::string_view path, std::string_view why);
  // Registers a file read through `include`, so that its problems sort after the earlier files'.
  void read(const std::string& file) { rank(file); }
  bool empty() const { return problems_.empty(); }
  void flush(std::vector<std::string>& out);

 private:
  std::size_t rank(const std::string& file);

  struct Problem {
    std::size_t file;
    toml::source_position at;
    std::string text;
  };
  std::vector<std::string> files_;
  bool client_;
  std::vector<Problem> problems_;
};

}  // namespace sluice::config_reader

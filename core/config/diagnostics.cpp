#include "core/config/diagnostics.hpp"

#include <algorithm>
#include <initializer_list>
#include <tuple>
#include <utility>

namespace sluice::config_reader {
namespace {

// The keys a client connects with: their errors fail a client's load (see load_client_config).
bool client_needs(std::string_view path) {
  for (std::string_view k :
       {"controller", "controller.listen", "controller.address", "auth", "auth.type", "auth.socket"})
    if (path == k) return true;
  return false;
}

}  // namespace

std::string type_name(toml::node_type t) {
  static constexpr const char* k[] = {"none",  "table",   "array", "string", "integer",
                                      "float", "boolean", "date",  "time",   "date-time"};
  return k[static_cast<int>(t)];
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string position(const toml::source_position& at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::string file_of(const toml::source_region& at, const std::string& fallback) {
  return at.path && !at.path->empty() ? *at.path : fallback;
}

void Diagnostics::add(const toml::source_region& at, std::string_view path, std::string_view why) {
  if (client_ && !client_needs(path)) return;
  problems_.push_back({rank(file_of(at, files_.front())), at.begin, std::string(path) + ": " + std::string(why)});
}

void Diagnostics::flush(std::vector<std::string>& out) {
  const auto where = [](const Problem& p) { return std::tuple(p.file, p.at.line, p.at.column); };
  std::ranges::stable_sort(problems_, {}, where);
  for (const Problem& p : problems_) out.push_back(files_[p.file] + ":" + position(p.at) + ": " + p.text);
}

std::size_t Diagnostics::rank(const std::string& file) {
  const auto it = std::ranges::find(files_, file);
  if (it != files_.end()) return static_cast<std::size_t>(it - files_.begin());
  files_.push_back(file);
  return files_.size() - 1;
}

}  // namespace sluice::config_reader

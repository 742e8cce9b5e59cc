// Internal to core/config (other code includes config.hpp): the typed reader of one TOML table.
// Each value is checked as it is read (type, range, allowed words), and finish() reports every key
// that no one asked for ("unknown key"), so a misspelt key is never silently ignored.
#pragma once
#include <toml++/toml.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config/diagnostics.hpp"

namespace sluice::config_reader {

// One TOML table being read. Every accessor marks its key as known; finish() reports the others.
// Accessors return the value's node when it is present and valid (else nullptr, after reporting
// what is wrong) and leave `out` untouched unless it is.
class Section {
 public:
  Section(Diagnostics& diag, const toml::table& table, std::string path)
      : diag_(diag), table_(table), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const toml::table& table() const { return table_; }
  void error(const toml::node& at, std::string_view key, std::string_view why) {
    diag_.add(at.source(), path(key), why);
  }

  // `key`'s value if present and of type `want` (node_type::none: any type). A missing required key
  // is reported at this table.
  const toml::node* get(std::string_view key, toml::node_type want, bool required = false);

  const toml::node* read(std::string_view key, std::string& out, bool required = false);
  const toml::node* read(std::string_view key, bool& out);

  // An integer in [min, max of Int].
  template <std::integral Int>
  const toml::node* read(std::string_view key, Int& out, std::int64_t min, bool required = false) {
    const toml::node* n = get(key, toml::node_type::integer, required);
    if (!n) return nullptr;
    const std::int64_t v = n->as_integer()->get();
    constexpr auto max = std::numeric_limits<Int>::max();
    if (v < min) {
      error(*n, key, "must be >= " + std::to_string(min));
    } else if (std::cmp_greater(v, max)) {
      error(*n, key, "must be <= " + std::to_string(max));
    } else {
      out = static_cast<Int>(v);
      return n;
    }
    return nullptr;
  }

  // An array of strings.
  const toml::node* read(std::string_view key, std::vector<std::string>& out);

  // A string that is one of `allowed` (any case); returns the entry of `allowed` it matches.
  std::optional<std::string_view> choice(std::string_view key, std::initializer_list<std::string_view> allowed);

  // The sub-table `key`, if present.
  std::optional<Section> section(std::string_view key);

  // The tables of the required array `key` ([[key]] entries), each a Section named "key[i]".
  std::vector<Section> entries(std::string_view key);

  // Reports every key that no accessor asked for.
  void finish(std::string_view why = "unknown key");

 private:
  Diagnostics& diag_;
  const toml::table& table_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

// A hostlist expression ("n[01-04],gpu1") read from `at`; reports a bad one.
std::optional<std::vector<std::string>> read_hostlist(Section& s, const toml::node& at, std::string_view key,
                                                      const std::string& expr);

}  // namespace sluice::config_reader

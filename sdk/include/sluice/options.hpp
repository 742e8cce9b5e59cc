// Helpers for plugins that validate their own TOML options table: typed reads that record a
// positioned ConfigError instead of throwing, and an unknown-key check.
#pragma once
#include <sluice/plugin.hpp>

#include <initializer_list>
#include <string>
#include <toml++/toml.h>

namespace sluice {

class OptionReader {
 public:
  OptionReader(const toml::table& t, std::string prefix, std::vector<ConfigError>& errors)
      : t_(t), prefix_(std::move(prefix)), errors_(errors) {}

  void error(const toml::node* at, const std::string& key, const std::string& why) {
    const auto& src = at ? at->source() : t_.source();
    errors_.push_back({prefix_ + "." + key, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column), why});
  }

  // Reads `key` as T if present; wrong type is an error. Returns whether a value was read.
  template <class T>
  bool get(const std::string& key, T& out) {
    const toml::node* n = t_.get(key);
    if (!n) return false;
    if (auto v = n->value<T>()) {
      out = *v;
      return true;
    }
    error(n, key, std::string("expected ") + type_name<T>() + ", got " + std::string(toml::impl::node_type_friendly_names[static_cast<int>(n->type())]));
    return false;
  }

  // Every key not in `known` is an error.
  void only(std::initializer_list<const char*> known) {
    for (const auto& [k, v] : t_) {
      bool ok = false;
      for (const char* n : known) ok = ok || k.str() == n;
      if (!ok) error(&v, std::string(k.str()), "unknown key");
    }
  }

 private:
  template <class T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>) return "boolean";
    else if constexpr (std::is_integral_v<T>) return "integer";
    else if constexpr (std::is_floating_point_v<T>) return "float";
    else return "string";
  }
  const toml::table& t_;
  std::string prefix_;
  std::vector<ConfigError>& errors_;
};

}  // namespace sluice

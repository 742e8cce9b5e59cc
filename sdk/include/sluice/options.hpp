// Helpers for plugins that validate their own TOML options table: typed reads that record a
// positioned ConfigError instead of throwing, and an unknown-key check.
#pragma once
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <sluice/plugin.hpp>
#include <string>
#include <type_traits>
#include <utility>

namespace sluice {

class OptionReader {
 public:
  OptionReader(const toml::table& t, std::string prefix, std::vector<ConfigError>& errors)
      : t_(t), prefix_(std::move(prefix)), errors_(errors) {}

  void error(const toml::node* at, const std::string& key, const std::string& why) {
    const auto& src = at ? at->source() : t_.source();
    errors_.push_back({prefix_ + "." + key, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column), why});
  }

  // Reads `key` as T if present. Types are exact: a bool only from a TOML boolean, an integer
  // type only from a TOML integer within T's range, a string only from a string; a floating-point
  // T takes a float or an integer. Anything else is an error. Returns whether a value was read.
  template <class T>
  bool get(const std::string& key, T& out) {
    const toml::node* n = t_.get(key);
    if (!n) return false;
    if constexpr (std::is_same_v<T, bool>) {
      if (n->is_boolean()) return set(out, n->as_boolean()->get());
    } else if constexpr (std::is_integral_v<T>) {
      if (n->is_integer()) return set_integer(n, key, out, n->as_integer()->get());
    } else if constexpr (std::is_floating_point_v<T>) {
      if (n->is_floating_point()) return set(out, static_cast<T>(n->as_floating_point()->get()));
      if (n->is_integer()) return set(out, static_cast<T>(n->as_integer()->get()));
    } else {
      static_assert(std::is_assignable_v<T&, std::string>, "OptionReader reads booleans, integers, floats, strings");
      if (n->is_string()) return set(out, n->as_string()->get());
    }
    error(n, key,
          std::string("expected ") + type_name<T>() + ", got " +
              std::string(toml::impl::node_type_friendly_names[static_cast<int>(n->type())]));
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
  template <class T, class V>
  static bool set(T& out, V&& v) {
    out = std::forward<V>(v);
    return true;
  }
  template <class T>
  bool set_integer(const toml::node* n, const std::string& key, T& out, std::int64_t v) {
    using Limits = std::numeric_limits<T>;
    if (std::cmp_less(v, Limits::min()))
      error(n, key, "must be >= " + std::to_string(Limits::min()) + " (got " + std::to_string(v) + ")");
    else if (std::cmp_greater(v, Limits::max()))
      error(n, key, "must be <= " + std::to_string(Limits::max()) + " (got " + std::to_string(v) + ")");
    else
      return set(out, static_cast<T>(v));
    return false;
  }
  template <class T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>)
      return "boolean";
    else if constexpr (std::is_integral_v<T>)
      return "integer";
    else if constexpr (std::is_floating_point_v<T>)
      return "float";
    else
      return "string";
  }
  const toml::table& t_;
  std::string prefix_;
  std::vector<ConfigError>& errors_;
};

}  // namespace sluice

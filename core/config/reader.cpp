#include "core/config/reader.hpp"

#include "core/slurm/hostlist.hpp"
#include "core/util/text.hpp"

namespace sluice::config_reader {

using toml::node_type;

const toml::node* Section::get(std::string_view key, node_type want, bool required) {
  seen_.emplace(key);
  const toml::node* n = table_.get(key);
  if (!n) {
    if (required) diag_.add(table_.source(), path(key), "missing required key");
  } else if (want != node_type::none && n->type() != want) {
    error(*n, key, "expected " + type_name(want) + ", got " + type_name(n->type()));
    return nullptr;
  }
  return n;
}

const toml::node* Section::read(std::string_view key, std::string& out, bool required) {
  const toml::node* n = get(key, node_type::string, required);
  if (n) out = n->as_string()->get();
  return n;
}

const toml::node* Section::read(std::string_view key, bool& out) {
  const toml::node* n = get(key, node_type::boolean);
  if (n) out = n->as_boolean()->get();
  return n;
}

const toml::node* Section::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = get(key, node_type::array);
  if (!n) return nullptr;
  std::vector<std::string> values;
  bool ok = true;
  const toml::array& array = *n->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (const auto* s = array[i].as_string()) {
      values.push_back(s->get());
    } else {
      diag_.add(array[i].source(), path(key) + "[" + std::to_string(i) + "]",
                "expected string, got " + type_name(array[i].type()));
      ok = false;
    }
  }
  if (!ok) return nullptr;
  out = std::move(values);
  return n;
}

std::optional<std::string_view> Section::choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string value;
  const toml::node* n = read(key, value);
  if (!n) return std::nullopt;
  const std::string lower = to_lower(value);
  for (std::string_view a : allowed) {
    if (a == lower) return a;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
  error(*n, key, "expected one of " + list + ", got " + in_quotes(value));
  return std::nullopt;
}

std::optional<Section> Section::section(std::string_view key) {
  const toml::node* n = get(key, node_type::table);
  if (!n) return std::nullopt;
  return Section(diag_, *n->as_table(), path(key));
}

std::vector<Section> Section::entries(std::string_view key) {
  std::vector<Section> out;
  const toml::node* n = get(key, node_type::array, true);
  if (!n) return out;
  const toml::array& array = *n->as_array();
  if (array.empty()) error(*n, key, "at least one entry is required");
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = path(key) + "[" + std::to_string(i) + "]";
    if (const toml::table* t = array[i].as_table()) {
      out.emplace_back(diag_, *t, at);
    } else {
      diag_.add(array[i].source(), at, "expected table, got " + type_name(array[i].type()));
    }
  }
  return out;
}

void Section::finish(std::string_view why) {
  for (const auto& [key, value] : table_) {
    if (!seen_.contains(key.str())) diag_.add(key.source(), path(key.str()), why);
  }
}

std::optional<std::vector<std::string>> read_hostlist(Section& s, const toml::node& at, std::string_view key,
                                                      const std::string& expr) {
  std::string why;
  auto names = expand_hostlist(expr, &why);
  if (!names) s.error(at, key, "invalid hostlist " + in_quotes(expr) + " (" + why + ")");
  return names;
}

}  // namespace sluice::config_reader

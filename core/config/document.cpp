#include "core/config/document.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace sluice::config_reader {
namespace {

std::string syntax_error(const toml::parse_error& e, const std::string& name) {
  return file_of(e.source(), name) + ":" + position(e.source().begin) + ": " + std::string(e.description());
}

// The top-level table a header line opens ("controller" for "[controller]" or "[ controller.x ]",
// "nodes" for "[[nodes]]"); nullopt for any other line.
std::optional<std::string> header_table(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] != '[') return std::nullopt;
  std::string_view rest = line.substr(start);
  while (!rest.empty() && rest.front() == '[') rest.remove_prefix(1);
  const auto end = rest.find_first_of(".]");
  if (end == std::string_view::npos) return std::nullopt;
  std::string name(rest.substr(0, end));
  std::erase_if(name, [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\''; });
  return name;
}

// `text` with every line outside the root table and the [cluster], [controller] and [auth] tables
// blanked (line numbers stay), so that a client can read those when a syntax error lies elsewhere.
// Header-like lines inside multi-line strings are not headers.
std::string client_tables(std::string_view text) {
  std::string out;
  bool keep = true;
  std::string_view open_quote;  // the delimiter of the multi-line string being read, if any
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (open_quote.empty()) {
      if (auto table = header_table(line)) keep = *table == "cluster" || *table == "controller" || *table == "auth";
    }
    // Follow strings and comments to know whether the next line starts inside a multi-line string.
    for (std::size_t i = 0; i < line.size(); ++i) {
      const std::string_view at = line.substr(i);
      if (!open_quote.empty()) {
        if (open_quote == "\"\"\"" && at.front() == '\\') {
          ++i;
        } else if (at.starts_with(open_quote)) {
          i += 2;
          open_quote = {};
        }
      } else if (at.front() == '#') {
        break;
      } else if (at.starts_with("\"\"\"") || at.starts_with("'''")) {
        open_quote = at.substr(0, 3);
        i += 2;
      } else if (at.front() == '"' || at.front() == '\'') {
        for (++i; i < line.size() && line[i] != at.front(); ++i)
          if (at.front() == '"' && line[i] == '\\') ++i;
      }
    }
    if (keep) out += line;
    out += '\n';
  }
  return out;
}

// Adds to `dst` what `src` has and `dst` lacks; tables present in both are merged the same way.
// Nodes are moved, so they keep their source positions (and files).
void merge_under(toml::table& dst, toml::table&& src) {
  for (auto&& [key, value] : src) {
    toml::node* mine = dst.get(key.str());
    if (!mine) {
      dst.insert(key, std::move(value));
    } else if (mine->is_table() && value.is_table()) {
      merge_under(*mine->as_table(), std::move(*value.as_table()));
    }
  }
}

}  // namespace

bool read_text(const std::string& path, std::string& text, std::string& why) {
  int err = 0;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[1 << 16];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
    err = std::ferror(f) ? errno : 0;
    std::fclose(f);
  } else {
    err = errno;
  }
  if (err != 0) why = std::strerror(err);
  return err == 0;
}

std::optional<toml::table> DocumentReader::read(const std::string& text, const std::string& name) {
  std::optional<toml::table> doc = parse(text, name);
  if (!doc) return std::nullopt;
  const toml::node* include = doc->get("include");
  if (!include) return doc;
  const auto files = include_entries(*include);
  std::error_code ec;
  open_.push_back(std::filesystem::weakly_canonical(name, ec));
  std::vector<toml::table> included;
  for (const auto& [node, at] : files) {
    std::filesystem::path path = node->as_string()->get();
    if (path.is_relative()) path = std::filesystem::path(name).parent_path() / path;
    path = path.lexically_normal();
    if (std::ranges::find(open_, std::filesystem::weakly_canonical(path, ec)) != open_.end()) {
      diag_.add(node->source(), at, "include cycle: " + in_quotes(path.string()) + " is already being read");
      continue;
    }
    std::string sub, why;
    if (!read_text(path, sub, why)) {
      diag_.add(node->source(), at, "cannot read " + in_quotes(path.string()) + ": " + why);
      continue;
    }
    diag_.read(path);
    if (auto table = read(sub, path)) included.push_back(std::move(*table));
  }
  open_.pop_back();
  doc->erase("include");
  // The including file wins, then the later includes over the earlier.
  for (auto it = included.rbegin(); it != included.rend(); ++it) merge_under(*doc, std::move(*it));
  return doc;
}

std::vector<std::pair<const toml::node*, std::string>> DocumentReader::include_entries(const toml::node& include) {
  std::vector<std::pair<const toml::node*, std::string>> files;
  if (include.is_string()) {
    files.emplace_back(&include, "include");
  } else if (const toml::array* list = include.as_array()) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string at = "include[" + std::to_string(i) + "]";
      if ((*list)[i].is_string()) {
        files.emplace_back(&(*list)[i], at);
      } else {
        diag_.add((*list)[i].source(), at, "expected string, got " + type_name((*list)[i].type()));
      }
    }
  } else {
    diag_.add(include.source(), "include", "expected string or array, got " + type_name(include.type()));
  }
  return files;
}

std::optional<toml::table> DocumentReader::parse(const std::string& text, const std::string& name) {
  try {
    return toml::parse(std::string_view(text), std::string_view(name));
  } catch (const toml::parse_error& e) {
    if (client_) {
      try {
        return toml::parse(client_tables(text), std::string_view(name));
      } catch (const toml::parse_error& inner) {
        syntax_.push_back(syntax_error(inner, name));
        return std::nullopt;
      }
    }
    syntax_.push_back(syntax_error(e, name));
    return std::nullopt;
  }
}

}  // namespace sluice::config_reader

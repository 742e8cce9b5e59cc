#include "core/config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/util/hostlist.hpp"
#include "core/util/text.hpp"
#include "core/util/timefmt.hpp"

namespace sluice {
namespace {

using toml::node_type;

std::string type_name(node_type t) {
  static constexpr const char* k[] = {"none",  "table",   "array", "string", "integer",
                                      "float", "boolean", "date",  "time",   "date-time"};
  return k[static_cast<int>(t)];
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string position(const toml::source_position& at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

// The file a value was read from (`fallback` when the parser recorded none).
std::string file_of(const toml::source_region& at, const std::string& fallback) {
  return at.path && !at.path->empty() ? *at.path : fallback;
}

// The keys a client connects with: their errors fail a client's load (see load_client_config).
bool client_needs(std::string_view path) {
  for (std::string_view k :
       {"controller", "controller.listen", "controller.address", "auth", "auth.type", "auth.socket"})
    if (path == k) return true;
  return false;
}

// The problems found so far, each at the position it refers to; flushed in file order (the files
// in the order they were read), then line and column. A client's diagnostics keep only the
// problems of the keys it needs.
class Diagnostics {
 public:
  Diagnostics(std::string file, bool client) : files_{std::move(file)}, client_(client) {}

  void add(const toml::source_region& at, std::string_view path, std::string_view why) {
    if (client_ && !client_needs(path)) return;
    problems_.push_back({rank(file_of(at, files_.front())), at.begin, std::string(path) + ": " + std::string(why)});
  }
  // Registers a file read through `include`, so that its problems sort after the earlier files'.
  void read(const std::string& file) { rank(file); }
  bool empty() const { return problems_.empty(); }
  void flush(std::vector<std::string>& out) {
    const auto where = [](const Problem& p) { return std::tuple(p.file, p.at.line, p.at.column); };
    std::ranges::stable_sort(problems_, {}, where);
    for (const Problem& p : problems_) out.push_back(files_[p.file] + ":" + position(p.at) + ": " + p.text);
  }

 private:
  std::size_t rank(const std::string& file) {
    const auto it = std::ranges::find(files_, file);
    if (it != files_.end()) return static_cast<std::size_t>(it - files_.begin());
    files_.push_back(file);
    return files_.size() - 1;
  }

  struct Problem {
    std::size_t file;
    toml::source_position at;
    std::string text;
  };
  std::vector<std::string> files_;
  bool client_;
  std::vector<Problem> problems_;
};

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
  const toml::node* get(std::string_view key, node_type want, bool required = false) {
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

  const toml::node* read(std::string_view key, std::string& out, bool required = false) {
    const toml::node* n = get(key, node_type::string, required);
    if (n) out = n->as_string()->get();
    return n;
  }

  const toml::node* read(std::string_view key, bool& out) {
    const toml::node* n = get(key, node_type::boolean);
    if (n) out = n->as_boolean()->get();
    return n;
  }

  // An integer in [min, max of Int].
  template <std::integral Int>
  const toml::node* read(std::string_view key, Int& out, std::int64_t min, bool required = false) {
    const toml::node* n = get(key, node_type::integer, required);
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
  const toml::node* read(std::string_view key, std::vector<std::string>& out) {
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

  // A string that is one of `allowed` (any case); returns the entry of `allowed` it matches.
  std::optional<std::string_view> choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
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

  // The sub-table `key`, if present.
  std::optional<Section> section(std::string_view key) {
    const toml::node* n = get(key, node_type::table);
    if (!n) return std::nullopt;
    return Section(diag_, *n->as_table(), path(key));
  }

  // The tables of the required array `key` ([[key]] entries), each a Section named "key[i]".
  std::vector<Section> entries(std::string_view key) {
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

  // Reports every key that no accessor asked for.
  void finish(std::string_view why = "unknown key") {
    for (const auto& [key, value] : table_) {
      if (!seen_.contains(key.str())) diag_.add(key.source(), path(key.str()), why);
    }
  }

 private:
  Diagnostics& diag_;
  const toml::table& table_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

// Reads a whole file; false with the reason in `why`.
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

// Parses a file and the files it includes into one document. TOML syntax errors are fatal (kept
// in `syntax_errors`); a client reads past one that lies outside its tables. Other problems go to
// the diagnostics.
class DocumentReader {
 public:
  DocumentReader(Diagnostics& diag, bool client) : diag_(diag), client_(client) {}

  std::optional<toml::table> read(const std::string& text, const std::string& name) {
    std::optional<toml::table> doc = parse(text, name);
    if (!doc) return std::nullopt;
    const toml::node* include = doc->get("include");
    if (!include) return doc;
    std::vector<std::pair<const toml::node*, std::string>> files;  // each entry and its path in messages
    if (include->is_string()) {
      files.emplace_back(include, "include");
    } else if (const toml::array* list = include->as_array()) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string at = "include[" + std::to_string(i) + "]";
        if ((*list)[i].is_string()) {
          files.emplace_back(&(*list)[i], at);
        } else {
          diag_.add((*list)[i].source(), at, "expected string, got " + type_name((*list)[i].type()));
        }
      }
    } else {
      diag_.add(include->source(), "include", "expected string or array, got " + type_name(include->type()));
    }
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

  const std::vector<std::string>& syntax_errors() const { return syntax_; }

 private:
  std::optional<toml::table> parse(const std::string& text, const std::string& name) {
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

  Diagnostics& diag_;
  bool client_;
  std::vector<std::filesystem::path> open_;  // the chain of files being read, to refuse cycles
  std::vector<std::string> syntax_;
};

// A Slurm time limit ("6-00:00:00", "UNLIMITED", ...).
const toml::node* read_time(Section& s, std::string_view key, Time& out) {
  std::string text;
  const toml::node* n = s.read(key, text);
  if (!n) return nullptr;
  if (auto t = parse_time_limit(text)) {
    out = *t;
    return n;
  }
  s.error(*n, key, "invalid time " + in_quotes(text));
  return nullptr;
}

// A hostlist expression; reports a bad one.
std::optional<std::vector<std::string>> read_hostlist(Section& s, const toml::node& at, std::string_view key,
                                                      const std::string& expr) {
  std::string why;
  auto names = expand_hostlist(expr, &why);
  if (!names) s.error(at, key, "invalid hostlist " + in_quotes(expr) + " (" + why + ")");
  return names;
}

void read_controller(Section s, ControllerConfig& c) {
  s.read("listen", c.listen);
  s.read("address", c.address);
  s.read("state_dir", c.state_dir);
  s.read("log_file", c.log_file);
  if (auto v = s.choice("log_level", {"trace", "debug", "info", "warn", "error"})) c.log_level = *v;
  if (auto v = s.choice("sync", {"normal", "full"})) c.sync = *v;
  const toml::node* timeout = s.read("node_timeout", c.node_timeout, 1);
  const toml::node* interval = s.read("heartbeat_interval", c.heartbeat_interval, 1);
  if (c.heartbeat_interval >= c.node_timeout) {
    if (interval) {
      s.error(*interval, "heartbeat_interval",
              "must be less than node_timeout (" + std::to_string(c.node_timeout) + ")");
    } else {
      s.error(*timeout, "node_timeout",
              "must be greater than heartbeat_interval (" + std::to_string(c.heartbeat_interval) + ")");
    }
  }
  s.read("kill_wait", c.kill_wait, 0);
  s.read("min_job_age", c.min_job_age, 0);
  s.read("admins", c.admins);
  s.read("plugin_dirs", c.plugin_dirs);
  s.finish();
}

void read_memory(Section& s, std::uint64_t& out) {
  const toml::node* n = s.get("memory", node_type::none, true);
  if (!n) return;
  if (n->is_integer()) {
    s.read("memory", out, 1);
  } else if (const auto* text = n->as_string()) {
    const auto mb = parse_mem_mb(text->get());
    if (mb && *mb > 0) {
      out = *mb;
    } else {
      s.error(*n, "memory", "invalid memory size " + in_quotes(text->get()));
    }
  } else {
    s.error(*n, "memory", "expected string or integer, got " + type_name(n->type()));
  }
}

void read_nodes(Section& root, std::vector<Node>& nodes) {
  std::map<std::string, std::string, std::less<>> origin;  // node name -> "nodes[i]"
  for (Section& s : root.entries("nodes")) {
    Node proto;
    std::string expr;
    const toml::node* names = s.read("names", expr, true);
    s.read("cpus", proto.cpus, 1, true);
    read_memory(s, proto.mem_mb);
    if (auto gpus = s.section("gpus")) {
      for (const auto& [type, value] : gpus->table()) {
        std::uint16_t count = 0;
        gpus->read(type.str(), count, 0);
        for (std::uint16_t i = 0; i < count; ++i) {
          proto.gpus.push_back({static_cast<std::uint32_t>(proto.gpus.size()), std::string(type.str())});
        }
      }
      gpus->finish();
    }
    s.read("features", proto.features);
    s.finish();
    if (!names) continue;
    auto list = read_hostlist(s, *names, "names", expr);
    if (list && list->empty()) s.error(*names, "names", "must not be empty");
    for (const std::string& name : list.value_or(std::vector<std::string>{})) {
      if (auto [it, fresh] = origin.emplace(name, s.path()); !fresh) {
        s.error(*names, "names", "duplicate node " + in_quotes(name) + " (also in " + it->second + ")");
        continue;
      }
      proto.name = name;
      nodes.push_back(proto);
    }
  }
}

// allow_groups / allow_users: "ALL" (or absent) means everyone and is kept as an empty list.
void read_allow(Section& s, std::string_view key, std::vector<std::string>& out) {
  if (s.read(key, out) && std::ranges::find(out, "ALL") != out.end()) out.clear();
}

// Partition `p`'s nodes; records the partition in each node's `partitions`.
void read_partition_nodes(Section& s, Partition& p, std::vector<Node>& nodes) {
  const toml::node* n = s.read("nodes", p.nodes_expr);
  if (!n) return;
  std::vector<std::string> names;
  if (p.nodes_expr == "ALL") {
    for (const Node& node : nodes) names.push_back(node.name);
  } else if (auto list = read_hostlist(s, *n, "nodes", p.nodes_expr)) {
    names = std::move(*list);
  }
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    auto node = std::ranges::find(nodes, name, &Node::name);
    if (node == nodes.end()) {
      unknown.push_back(name);
    } else if (node->partitions.empty() || node->partitions.back() != p.name) {  // skips repeats
      node->partitions.push_back(p.name);
      p.nodes.push_back(name);
    }
  }
  if (!unknown.empty()) {
    s.error(*n, "nodes",
            (unknown.size() == 1 ? "unknown node " : "unknown nodes ") + in_quotes(compress_hostlist(unknown)));
  }
}

void read_partitions(Section& root, Config& cfg) {
  std::map<std::string, std::string, std::less<>> names;  // partition name -> "partitions[i]"
  std::string default_path;
  for (Section& s : root.entries("partitions")) {
    Partition p;
    if (const toml::node* n = s.read("name", p.name, true)) {
      if (p.name.empty()) {
        s.error(*n, "name", "must not be empty");
      } else if (auto [it, fresh] = names.emplace(p.name, s.path()); !fresh) {
        s.error(*n, "name", "duplicate partition " + in_quotes(p.name) + " (also in " + it->second + ")");
      }
    }
    read_partition_nodes(s, p, cfg.nodes);
    if (const toml::node* n = s.read("default", p.is_default); n && p.is_default) {
      if (default_path.empty()) {
        default_path = s.path();
      } else {
        s.error(*n, "default", "more than one default partition (also " + default_path + ")");
      }
    }
    read_time(s, "max_time", p.max_time);
    if (const toml::node* n = read_time(s, "default_time", p.default_time);
        n && p.max_time != kUnlimited && (p.default_time == kUnlimited || p.default_time > p.max_time)) {
      s.error(*n, "default_time", "exceeds max_time");
    }
    s.read("priority_tier", p.priority_tier, 0);
    if (auto v = s.choice("preempt_mode", {"off", "requeue", "cancel"})) {
      p.preempt_mode = *v == "off" ? PreemptMode::Off : *v == "requeue" ? PreemptMode::Requeue : PreemptMode::Cancel;
    }
    if (auto v = s.choice("state", {"up", "down"})) p.up = *v == "up";
    s.read("max_nodes", p.max_nodes, 0);
    s.read("max_gpus_per_job", p.max_gpus_per_job, 0);
    read_allow(s, "allow_groups", p.allow_groups);
    read_allow(s, "allow_users", p.allow_users);
    s.finish();
    cfg.partitions.push_back(std::move(p));
  }
  if (default_path.empty() && !cfg.partitions.empty()) cfg.partitions.front().is_default = true;
}

void read_plugins(std::optional<Section> s, Config& cfg) {
  std::string known;
  for (const ExtensionPoint& ep : kExtensionPoints) {
    const std::string point(ep.name);
    known += (known.empty() ? "" : ", ") + point;
    PluginConfig pc{point,   std::string(ep.default_library), false,   2000,
                    nullptr, "plugins." + point + ".options", cfg.file};
    if (auto ps = s ? s->section(point) : std::nullopt) {
      pc.file = file_of(ps->table().source(), cfg.file);
      if (const toml::node* n = ps->read("library", pc.library, true); n && pc.library.empty()) {
        ps->error(*n, "library", "must not be empty");
      } else if (n && pc.library.find('/') != std::string::npos && pc.library.front() != '/') {
        // A relative path is relative to the file that names it, not to the daemon's directory.
        const auto dir = std::filesystem::path(file_of(n->source(), cfg.file)).parent_path();
        pc.library = std::filesystem::absolute(dir / pc.library).lexically_normal().string();
      }
      if (const toml::node* n = ps->read("isolate", pc.isolate); n && pc.isolate && !ep.isolatable)
        ps->error(*n, "isolate",
                  std::string("not supported for the ") + point + " point" +
                      (ep.side == PluginSide::Node ? " (it runs inside sluiced)" : ""));
      ps->read("deadline_ms", pc.deadline_ms, 1);
      if (const toml::node* n = ps->get("options", node_type::table)) {
        pc.options = std::shared_ptr<const toml::table>(cfg.doc, n->as_table());
      }
      ps->finish();
    }
    if (!pc.options) pc.options = std::make_shared<const toml::table>();
    if (!pc.library.empty()) cfg.plugins.emplace(point, std::move(pc));
  }
  if (s) s->finish("unknown plugin point (known: " + known + ")");
}

// Reads `text` (and what it includes) into a Config: every section (strict), or a client's part.
std::shared_ptr<const Config> build(const std::string& text, const std::string& name, bool client,
                                    std::vector<std::string>& errors) {
  auto cfg = std::make_shared<Config>();
  cfg->file = name;
  Diagnostics diag(name, client);
  DocumentReader reader(diag, client);
  auto doc = reader.read(text, name);
  if (!reader.syntax_errors().empty()) {
    errors.insert(errors.end(), reader.syntax_errors().begin(), reader.syntax_errors().end());
    return nullptr;
  }
  cfg->doc = std::make_shared<const toml::table>(std::move(*doc));
  Section root(diag, *cfg->doc, "");
  if (auto s = root.section("cluster")) {
    s->read("name", cfg->cluster_name);
    s->finish();
  }
  if (auto s = root.section("controller")) read_controller(*s, cfg->controller);
  if (cfg->controller.address.empty()) cfg->controller.address = cfg->controller.listen;
  if (auto s = root.section("agent"); s && !client) {
    s->read("spool_dir", cfg->agent.spool_dir);
    s->read("log_file", cfg->agent.log_file);
    s->finish();
  }
  if (auto s = root.section("auth")) {
    if (auto v = s->choice("type", {"munge", "peercred"})) cfg->auth.type = *v;
    s->read("socket", cfg->auth.socket);
    s->finish();
  }
  if (!client) {
    read_nodes(root, cfg->nodes);
    read_partitions(root, *cfg);
  }
  read_plugins(root.section("plugins"), *cfg);
  root.finish();
  if (!diag.empty()) {
    diag.flush(errors);
    return nullptr;
  }
  return cfg;
}

std::shared_ptr<const Config> load(const std::string& path, bool client, std::vector<std::string>& errors) {
  std::string text, why;
  if (!read_text(path, text, why)) {
    errors.push_back(path + ": cannot read file: " + why);
    return nullptr;
  }
  return build(text, path, client, errors);
}

}  // namespace

const Node* Config::node(const std::string& name) const {
  auto it = std::ranges::find(nodes, name, &Node::name);
  return it == nodes.end() ? nullptr : &*it;
}

std::shared_ptr<const Config> parse_config(const std::string& text, const std::string& name,
                                           std::vector<std::string>& errors) {
  return build(text, name, false, errors);
}

std::shared_ptr<const Config> load_config(const std::string& path, std::vector<std::string>& errors) {
  return load(path, false, errors);
}

std::shared_ptr<const Config> parse_client_config(const std::string& text, const std::string& name,
                                                  std::vector<std::string>& errors) {
  return build(text, name, true, errors);
}

std::shared_ptr<const Config> load_client_config(const std::string& path, std::vector<std::string>& errors) {
  return load(path, true, errors);
}

std::string default_config_path() {
  const char* env = std::getenv("SLUICE_CONF");
  return env && *env ? env : "/etc/sluice/sluice.toml";
}

}  // namespace sluice

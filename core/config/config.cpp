// The loaders: the daemons' strict one (every section, every problem fails the load) and the
// client's lenient one (see config.hpp). The file is read by document.cpp, its tables by the
// Section reader (reader.hpp) and the section readers (sections.hpp); problems are collected in
// Diagnostics (diagnostics.hpp) and reported together.
#include "core/config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/config/diagnostics.hpp"
#include "core/config/document.hpp"
#include "core/config/reader.hpp"
#include "core/config/sections.hpp"

namespace sluice {
namespace {

using config_reader::Diagnostics;
using config_reader::DocumentReader;
using config_reader::Section;

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
  if (auto s = root.section("cluster")) config_reader::read_cluster(*s, *cfg);
  if (auto s = root.section("controller")) config_reader::read_controller(*s, cfg->controller);
  if (cfg->controller.address.empty()) cfg->controller.address = cfg->controller.listen;
  if (auto s = root.section("agent"); s && !client) config_reader::read_agent(*s, cfg->agent);
  if (auto s = root.section("auth")) config_reader::read_auth(*s, cfg->auth);
  if (auto s = root.section("gpu_idle"); s && !client) config_reader::read_gpu_idle(*s, cfg->gpu_idle);
  if (!client) {
    config_reader::read_nodes(root, cfg->nodes, cfg->gpu_detect);
    config_reader::read_partitions(root, *cfg);
  }
  config_reader::read_plugins(root.section("plugins"), *cfg);
  root.finish();
  if (!diag.empty()) {
    diag.flush(errors);
    return nullptr;
  }
  return cfg;
}

std::shared_ptr<const Config> load(const std::string& path, bool client, std::vector<std::string>& errors) {
  std::string text, why;
  if (!config_reader::read_text(path, text, why)) {
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

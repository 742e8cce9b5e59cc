// The [plugins] section: for each extension point (core/plugin/points.hpp) the library that serves
// it, how it runs and its options.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/config/sections.hpp"

namespace sluice::config_reader {

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
                      (ep.side != PluginSide::Controller ? " (it runs inside sluiced)" : ""));
      ps->read("deadline_ms", pc.deadline_ms, 1);
      if (const toml::node* n = ps->get("options", toml::node_type::table)) {
        pc.options = std::shared_ptr<const toml::table>(cfg.doc, n->as_table());
      }
      ps->finish();
    }
    if (!pc.options) pc.options = std::make_shared<const toml::table>();
    if (!pc.library.empty()) cfg.plugins.emplace(point, std::move(pc));
  }
  if (s) s->finish("unknown plugin point (known: " + known + ")");
}

}  // namespace sluice::config_reader

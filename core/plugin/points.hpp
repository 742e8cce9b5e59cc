// The one registry of extension points. Everything that differs between points follows from an
// entry here: which [plugins.<point>] tables the config accepts and what it loads when a table is
// absent (core/config), the interface a library must implement (the loader checks it before the
// plugin sees its options), which daemon loads it (PluginSet in sluicectld, the agent in sluiced),
// and whether `isolate = true` is supported (a proxy in core/plugin/isolated.*).
// Adding an extension point: its SDK header (one Policy class with kPoint), one entry below, and
// the calls where the core asks it.
#pragma once
#include <sluice/launch.hpp>
#include <sluice/partition.hpp>
#include <sluice/preempt.hpp>
#include <sluice/requeue.hpp>
#include <sluice/select.hpp>
#include <string_view>

namespace sluice {

enum class PluginSide : std::uint8_t {
  Controller,  // loaded by sluicectld (PluginSet)
  Node,        // loaded by every sluiced
  Both,        // loaded by every sluiced, and by sluicectld for its submit-time checks
};

// Whether sluicectld loads the point (PluginSet).
constexpr bool loaded_by_controller(PluginSide side) { return side != PluginSide::Node; }

struct ExtensionPoint {
  std::string_view name;             // "select": the config table [plugins.select], Policy::kPoint
  std::string_view default_library;  // loaded when the table is absent; "" with required = false
  bool required;                     // always loaded (the default library unless configured)
  PluginSide side;
  bool isolatable;                           // `isolate = true` is supported (a proxy exists)
  bool (*implements)(const Plugin& plugin);  // the library's object implements the point's interface
};

template <class Policy>
bool implements_policy(const Plugin& plugin) {
  return dynamic_cast<const Policy*>(&plugin) != nullptr;
}

inline constexpr ExtensionPoint kExtensionPoints[] = {
    {PartitionPolicy::kPoint, "partition", true, PluginSide::Controller, true, implements_policy<PartitionPolicy>},
    {SelectPolicy::kPoint, "select_gpu", true, PluginSide::Controller, true, implements_policy<SelectPolicy>},
    {PreemptPolicy::kPoint, "", false, PluginSide::Controller, false, implements_policy<PreemptPolicy>},
    {RequeuePolicy::kPoint, "", false, PluginSide::Controller, false, implements_policy<RequeuePolicy>},
    {LaunchPolicy::kPoint, "", false, PluginSide::Both, false, implements_policy<LaunchPolicy>},
};

// The entry named `name`, or nullptr.
inline const ExtensionPoint* extension_point(std::string_view name) {
  for (const auto& p : kExtensionPoints)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace sluice

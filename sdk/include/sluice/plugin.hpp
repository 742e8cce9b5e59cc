// The common base of every plugin, the status every decision carries, and the context the
// host injects. No exception may leave a plugin: the export macro converts them at the boundary.
#pragma once

#include <functional>
#include <memory>
#include <sluice/abi.hpp>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace sluice {

// SDK ABI: a plugin is loaded only by a host built against the identical SDK ABI string. C++ types
// cross the boundary by reference, so any change of a header, of toml++, of the compiler or of
// libstdc++'s string ABI must refuse old plugins: the string carries all of them.
#define SLUICE_ABI_STR2(x) #x
#define SLUICE_ABI_STR(x) SLUICE_ABI_STR2(x)
inline constexpr const char* kSdkAbi = "sluice-sdk/" SLUICE_SDK_ABI_VERSION ";headers-" SLUICE_SDK_HEADERS_HASH
                                       ";toml++-" SLUICE_SDK_TOMLPP_VERSION ";gcc-" __VERSION__
                                       ";cxx11abi-" SLUICE_ABI_STR(_GLIBCXX_USE_CXX11_ABI);

enum class Code : std::uint8_t {
  Ok,             // the decision holds
  Unschedulable,  // not now: the job stays pending with `reason`
  Reject,         // never: the submission is refused with `message`
  Error,          // the plugin failed; the host falls back safely
};

struct Status {
  Code code = Code::Ok;
  std::string reason;   // squeue reason word for Unschedulable ("Resources", "PartitionTimeLimit")
  std::string message;  // human text for Reject/Error
  static Status ok() { return {}; }
  static Status unschedulable(std::string reason) { return {Code::Unschedulable, std::move(reason), {}}; }
  static Status reject(std::string message) { return {Code::Reject, {}, std::move(message)}; }
  static Status error(std::string message) { return {Code::Error, {}, std::move(message)}; }
  bool is_ok() const { return code == Code::Ok; }
};

enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };

// Services the host gives a plugin. Plugins keep no globals; tests inject their own.
struct Context {
  std::string name;                                     // "select/select_gpu"
  std::function<void(LogLevel, std::string_view)> log;  // logger "plugin.<name>"
  std::function<Time()> now;                            // clock
  std::string config_file;                              // for error positions
};

// One configuration error, positioned: "file:line:col: path: why".
struct ConfigError {
  std::string path;  // "plugins.select.options.strategy"
  int line = 0, column = 0;
  std::string why;
};

// What every plugin is.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;  // "select/select_gpu"
  // Validate and take the plugin's own options table (may be empty). Append every problem to
  // `errors` with `prefix` + key as the path; return false if any.
  virtual bool configure(const Context& ctx, const toml::table& options, const std::string& prefix,
                         std::vector<ConfigError>& errors) = 0;
};

// The cluster as plugins see it: read-only.
struct ClusterView {
  const std::vector<Node>& nodes;
  const std::vector<Partition>& partitions;
  // Changes whenever nodes or partitions may have changed (0: unknown). Lets a plugin, or the
  // proxy of an isolated one, cache what it derives from the cluster.
  std::uint64_t generation = 0;
  const Partition* partition(std::string_view name) const {
    for (const auto& p : partitions)
      if (p.name == name) return &p;
    return nullptr;
  }
  const Partition* default_partition() const {
    for (const auto& p : partitions)
      if (p.is_default) return &p;
    return partitions.empty() ? nullptr : &partitions.front();
  }
};

}  // namespace sluice

// The Sluice test kit: unit-test a policy without daemons. Header only: the SDK headers, toml++ and
// Boost.DLL (link Sluice::sdk, and ${CMAKE_DL_LIBS} where load() is used).
//
//   sluice::testkit::FakeCluster cluster;
//   cluster.add_nodes("n", 2, {.cpus = 16, .mem_mb = 65536, .gpus = {{"a100", 4}}})
//       .add_partition("gpu")
//       .allocate("n1", 8, 4);
//   auto loaded = sluice::testkit::load<sluice::PartitionPolicy>(PLUGIN_PATH);
//   EXPECT_EQ(sluice::testkit::to_string(sluice::testkit::configure(*loaded.plugin, "max_gpus = 4")), "");
//   sluice::JobView job = sluice::testkit::JobBuilder().gpus(2, "a100").build();
//   EXPECT_TRUE(sluice::testkit::admit(*loaded.plugin, job, cluster.view()).is_ok());
//
// admit() and place() call a policy exactly as the controller does, with the controller's checks
// of the answer (sluice/ledger.hpp, sluice/partition.hpp), so what passes here passes there.
#pragma once
#include <toml++/toml.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <sluice/ledger.hpp>
#include <sluice/partition.hpp>
#include <sluice/plugin.hpp>
#include <sluice/select.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::testkit {

// What the fake clock reads (Context::now, JobView::submit_time).
inline constexpr Time kNow = 1'700'000'000;

// One node's hardware (and its features and weight). GPUs by type, numbered as the host numbers them: types in
// alphabetical order, indices from 0 ({{"a100", 2}, {"t4", 1}}: 0-1 are a100, 2 is t4).
struct NodeSpec {
  std::uint32_t cpus = 1;
  std::uint64_t mem_mb = 1024;
  std::map<std::string, std::uint32_t> gpus = {};
  std::string features = {};  // comma separated, as Node::features: "gpu,a40"
  std::uint32_t weight = 1;   // Slurm's Weight: lower first
};

// A cluster as the host shows it to plugins: nodes (responding and idle unless marked), partitions
// and load. view() refers to this object, so keep it alive while the view is used.
class FakeCluster {
 public:
  // Adds node `name`.
  FakeCluster& add_node(const std::string& name, const NodeSpec& spec) {
    Node n;
    n.name = name;
    n.cpus = spec.cpus;
    n.mem_mb = n.free_mem_mb = spec.mem_mb;
    n.responding = true;
    n.features = spec.features;
    n.weight = spec.weight;
    for (const auto& [type, count] : spec.gpus)
      for (std::uint32_t i = 0; i < count; ++i) n.gpus.push_back({static_cast<std::uint32_t>(n.gpus.size()), type});
    n.gpu_used.assign(n.gpus.size(), false);
    nodes_.push_back(std::move(n));
    return *this;
  }

  // Adds nodes <prefix>1 ... <prefix><count>.
  FakeCluster& add_nodes(const std::string& prefix, int count, const NodeSpec& spec) {
    for (int i = 1; i <= count; ++i) add_node(prefix + std::to_string(i), spec);
    return *this;
  }

  // Adds partition `name` over `nodes` (empty: every node added so far, Slurm's "ALL"). Other
  // fields keep the model's defaults; set them through partition(name).
  FakeCluster& add_partition(const std::string& name, const std::vector<std::string>& nodes = {}) {
    Partition p;
    p.name = name;
    if (nodes.empty()) {
      p.nodes_expr = "ALL";
      for (const Node& n : nodes_) p.nodes.push_back(n.name);
    } else {
      p.nodes = nodes;
      for (const std::string& n : nodes) p.nodes_expr += (p.nodes_expr.empty() ? "" : ",") + n;
    }
    for (const std::string& n : p.nodes) node(n).partitions.push_back(name);
    partitions_.push_back(std::move(p));
    return *this;
  }

  // Marks a node drained (it still responds) or down (it stopped responding), with a reason.
  FakeCluster& drain(const std::string& name, const std::string& reason = "testkit") {
    Node& n = node(name);
    n.drain = true;
    n.reason = reason;
    n.reason_time = kNow;
    return *this;
  }
  FakeCluster& down(const std::string& name, const std::string& reason = "testkit") {
    Node& n = node(name);
    n.responding = false;
    n.reason = reason;
    n.reason_time = kNow;
    return *this;
  }

  // Simulates one running job on a node: `cpus` CPUs, `mem_mb` memory and `gpus` GPUs (the lowest
  // free indices). Throws std::invalid_argument when the node has not that much free.
  FakeCluster& allocate(const std::string& name, std::uint32_t cpus, std::uint32_t gpus = 0, std::uint64_t mem_mb = 0) {
    const std::vector<std::uint32_t> free = free_gpus(node(name));
    if (free.size() < gpus) throw std::invalid_argument("allocate: not enough free GPUs on " + name);
    return apply({{name, cpus, mem_mb, std::vector<std::uint32_t>(free.begin(), free.begin() + gpus)}});
  }

  // Takes a placement (a select() answer) from the nodes with the controller's ledger: what the
  // controller does when it starts a job. Throws std::invalid_argument when a part does not fit
  // (alloc_problem) or names no node here.
  FakeCluster& apply(const std::vector<NodeAlloc>& placement) {
    for (const NodeAlloc& a : placement)
      if (std::string why = alloc_problem(node(a.node), a); !why.empty()) throw std::invalid_argument("apply: " + why);
    for (const NodeAlloc& a : placement) {
      Node& n = node(a.node);
      allocate_on(n, a);
      n.free_mem_mb -= std::min(n.free_mem_mb, a.mem_mb);
    }
    return *this;
  }

  // Any other field: cluster.node("n1").features = "nvlink"; cluster.partition("gpu").up = false.
  // Throws std::out_of_range for an unknown name.
  Node& node(const std::string& name) { return find(nodes_, name, "node"); }
  Partition& partition(const std::string& name) { return find(partitions_, name, "partition"); }

  // What a plugin call receives.
  ClusterView view() const { return {nodes_, partitions_}; }

 private:
  template <class T>
  static T& find(std::vector<T>& items, const std::string& name, const char* what) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
    if (it == items.end()) throw std::out_of_range(std::string("no ") + what + " " + name);
    return *it;
  }

  static void allocate_on(Node& n, const NodeAlloc& a) { sluice::allocate(n, a); }
  std::vector<Node> nodes_;
  std::vector<Partition> partitions_;
};

// A submission as the CLI sends it: job 1 of user "user" (uid 1000, group "users"), one task with
// one CPU on one node, no partition, no time limit, no GPUs.
class JobBuilder {
 public:
  JobBuilder() {
    job_.id = 1;
    job_.uid = job_.gid = 1000;
    job_.user = "user";
    job_.group = "users";
    job_.submit_time = job_.eligible_time = kNow;
  }
  JobBuilder& id(std::uint64_t id) { return set(job_.id, id); }
  JobBuilder& user(std::string user, std::string group) {
    job_.group = std::move(group);
    return set(job_.user, std::move(user));
  }
  JobBuilder& name(std::string name) { return set(job_.spec.name, std::move(name)); }              // -J
  JobBuilder& partition(std::string name) { return set(job_.spec.partition, std::move(name)); }    // -p
  JobBuilder& nodes(std::uint32_t n) { return set(job_.spec.nodes, n); }                           // -N
  JobBuilder& tasks(std::uint32_t n) { return set(job_.spec.ntasks, n); }                          // -n
  JobBuilder& cpus(std::uint32_t per_task) { return set(job_.spec.cpus_per_task, per_task); }      // -c
  JobBuilder& mem_mb(std::uint64_t per_node) { return set(job_.spec.mem_mb, per_node); }           // --mem
  JobBuilder& time_limit(Time seconds) { return set(job_.spec.time_limit, seconds); }              // -t; kUnlimited
  JobBuilder& nodelist(std::string hosts) { return set(job_.spec.nodelist, std::move(hosts)); }    // -w
  JobBuilder& exclude(std::string hosts) { return set(job_.spec.exclude, std::move(hosts)); }      // -x
  JobBuilder& constraint(std::string expr) { return set(job_.spec.constraint, std::move(expr)); }  // -C
  JobBuilder& cpus_per_gpu(std::uint32_t n) { return set(job_.spec.cpus_per_gpu, n); }             // --cpus-per-gpu
  JobBuilder& mem_per_gpu_mb(std::uint64_t mb) { return set(job_.spec.mem_per_gpu_mb, mb); }       // --mem-per-gpu
  // -G [type:]N: GPUs over the whole job; empty type: any.
  JobBuilder& gpus(std::uint32_t total, std::string type = "") {
    job_.spec.gpu_type = std::move(type);
    return set(job_.spec.gpus, total);
  }
  // --gres=gpu[:type]:N: GPUs on each node.
  JobBuilder& gpus_per_node(std::uint32_t per_node, std::string type = "") {
    job_.spec.gpu_type = std::move(type);
    return set(job_.spec.gpus_per_node, per_node);
  }
  // --gpus-per-task=[type:]N: GPUs for each task.
  JobBuilder& gpus_per_task(std::uint32_t per_task, std::string type = "") {
    job_.spec.gpu_type = std::move(type);
    return set(job_.spec.gpus_per_task, per_task);
  }
  JobView build() const { return job_; }

 private:
  template <class T, class V>
  JobBuilder& set(T& field, V&& value) {
    field = std::forward<V>(value);
    return *this;
  }

  JobView job_;
};

// A context as the host makes it, for `name`: a fixed clock at kNow, log lines ("warn: text")
// appended to `*log` when given.
inline Context context(std::string name, std::vector<std::string>* log = nullptr) {
  Context ctx;
  ctx.name = std::move(name);
  ctx.config_file = "testkit.toml";
  ctx.now = [] { return kNow; };
  ctx.log = [log](LogLevel level, std::string_view text) {
    static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
    if (log) log->push_back(std::string(kLevels[static_cast<int>(level)]) + ": " + std::string(text));
  };
  return ctx;
}

// Configures `plugin` from the text of its options table (what follows [plugins.<point>.options]
// in sluice.toml, e.g. "max_gpus = 4") as the host does, and returns every ConfigError; empty when
// accepted. Paths start "plugins.<point>.options", <point> taken from name() ("partition/x").
// A TOML syntax error throws toml::parse_error. The table lives only during the call.
inline std::vector<ConfigError> configure(Plugin& plugin, std::string_view options, const Context& ctx) {
  const toml::table table = toml::parse(options);
  const std::string_view name = plugin.name();
  const std::string prefix = "plugins." + std::string(name.substr(0, name.find('/'))) + ".options";
  std::vector<ConfigError> errors;
  if (!plugin.configure(ctx, table, prefix, errors) && errors.empty())
    errors.push_back({prefix, 0, 0, "configure() failed without a ConfigError"});
  return errors;
}
inline std::vector<ConfigError> configure(Plugin& plugin, std::string_view options) {
  return configure(plugin, options, context(std::string(plugin.name())));
}

// ConfigErrors one per line as "line:col: path: why" (the host adds the file name in front).
inline std::string to_string(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors)
    out += (out.empty() ? "" : "\n") + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.path + ": " +
           e.why;
  return out;
}

// A plugin library loaded as the host loads it. The library is declared first, so the plugin is
// destroyed before the library is unloaded.
template <class Policy = Plugin>
struct Loaded {
  boost::dll::shared_library library;
  std::unique_ptr<Policy> plugin;
};

// Loads the plugin library at `path` (e.g. $<TARGET_FILE:my_policy>) like the host: the ABI string
// first, then the factory; the plugin must implement `Policy` (PartitionPolicy, SelectPolicy, ...).
// Throws std::runtime_error naming the file on any failure.
template <class Policy = Plugin>
Loaded<Policy> load(const std::string& path) {
  const auto failure = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  Loaded<Policy> out;
  boost::dll::shared_library& library = out.library;
  try {
    library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw failure(e.what());
  }
  for (const char* symbol : {"sluice_abi", "sluice_create"})
    if (!library.has(symbol)) throw failure(std::string("missing symbol ") + symbol + " (no SLUICE_PLUGIN?)");
  const std::string abi = library.get_alias<const char*()>("sluice_abi")();
  if (abi != kSdkAbi) throw failure("ABI mismatch: got " + abi + ", expected " + kSdkAbi);
  std::string error;
  std::unique_ptr<Plugin> plugin(library.get_alias<Plugin*(std::string*)>("sluice_create")(&error));
  if (!plugin) throw failure("factory failed: " + (error.empty() ? std::string("returned null") : error));
  Policy* policy = dynamic_cast<Policy*>(plugin.get());
  if (!policy) throw failure(std::string(plugin->name()) + " does not implement the requested policy");
  plugin.release();
  out.plugin.reset(policy);
  return out;
}

// Admission as the controller runs it: the policy decides on what the job asked; a decision that
// admission_problem() refuses becomes Status::error naming it; an Ok decision is applied to `job`.
inline Status admit(PartitionPolicy& policy, JobView& job, const ClusterView& cluster) {
  Admission a = asked(job);
  Status st = policy.admit(job, cluster, a);
  if (!st.is_ok()) return st;
  if (std::string why = admission_problem(a, cluster); !why.empty()) return Status::error(why);
  apply_admission(job, a);
  return st;
}

// Placement as the controller runs it: select(), then the select contract (placement_problem()).
// A placement that breaks it becomes Status::error("invalid placement: ..."); a valid one is taken
// from `cluster` (FakeCluster::apply) and returned in `out`.
inline Status place(SelectPolicy& policy, const JobView& job, FakeCluster& cluster, std::vector<NodeAlloc>& out) {
  out.clear();
  Status st = policy.select(job, cluster.view(), out);
  if (!st.is_ok()) return st;
  if (std::string why = placement_problem(job, cluster.view(), out); !why.empty())
    return Status::error("invalid placement: " + why);
  cluster.apply(out);
  return st;
}

}  // namespace sluice::testkit

// Every problem of a config file is reported at once, in file order, as "file:line:col: path: why".
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/test_pieces.hpp"

namespace sluice {
namespace {

using config_test::kMinimal;
using config_test::kNode;
using config_test::kPartition;

struct ErrorCase {
  std::string name;
  std::string text;
  std::vector<std::string> errors;  // exactly these, in this order
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ConfigErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTest, ReportsEveryProblem) {
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_config(GetParam().text, "t.toml", errors));
  EXPECT_EQ(errors, GetParam().errors);
}

const ErrorCase kErrorCases[] = {
    {"SyntaxError",
     "[controller]\nlisten = \n",
     {"t.toml:2:10: Error while parsing key-value pair: expected value, saw '\\n'"}},
    {"UnknownKeysInFileOrder",
     "colour = \"red\"\n[controller]\nlisten_on = \"x\"\n[agent]\n  spool = \"y\"\n" + kMinimal,
     {"t.toml:1:1: colour: unknown key", "t.toml:3:1: controller.listen_on: unknown key",
      "t.toml:5:3: agent.spool: unknown key"}},
    {"UnknownNodeAndPartitionKeys",
     kNode + "sockets = 2\n[[partitions]]\nname = \"p\"\nMaxTime = \"1:00\"\n",
     {"t.toml:5:1: nodes[0].sockets: unknown key", "t.toml:8:1: partitions[0].MaxTime: unknown key"}},
    {"UnknownPluginKeyAndPoint",
     "[plugins.select]\nlibrary = \"s\"\nlib = \"x\"\n[plugins.sched]\nlibrary = \"x\"\n" + kMinimal,
     {"t.toml:3:1: plugins.select.lib: unknown key",
      "t.toml:4:10: plugins.sched: unknown plugin point (known: partition, select, preempt, requeue, launch)"}},
    {"IsolateWhereNotSupported",
     "[plugins.launch]\nlibrary = \"l\"\nisolate = true\n[plugins.preempt]\nlibrary = \"p\"\nisolate = true\n"
     "[plugins.select]\nlibrary = \"s\"\nisolate = true\n" +
         kMinimal,
     {"t.toml:3:11: plugins.launch.isolate: not supported for the launch point (it runs inside sluiced)",
      "t.toml:6:11: plugins.preempt.isolate: not supported for the preempt point"}},
    {"WrongTypesInSections",
     "cluster = 5\nplugins = 3\n[controller]\nnode_timeout = \"30\"\nadmins = \"root\"\n"
     "plugin_dirs = [\"/a\", 0, true]\nlog_level = 3\n" +
         kMinimal,
     {"t.toml:1:11: cluster: expected table, got integer", "t.toml:2:11: plugins: expected table, got integer",
      "t.toml:4:16: controller.node_timeout: expected integer, got string",
      "t.toml:5:10: controller.admins: expected array, got string",
      "t.toml:6:22: controller.plugin_dirs[1]: expected string, got integer",
      "t.toml:6:25: controller.plugin_dirs[2]: expected string, got boolean",
      "t.toml:7:13: controller.log_level: expected string, got integer"}},
    {"WrongTypesInNodes",
     "[[nodes]]\nnames = \"n1\"\ncpus = \"8\"\nmemory = 1.5\ngpus = 4\nfeatures = 5\n"
     "[[nodes]]\nnames = \"n2\"\ncpus = 1\nmemory = 1\ngpus = { t4 = \"6\" }\n" +
         kPartition,
     {"t.toml:3:8: nodes[0].cpus: expected integer, got string",
      "t.toml:4:10: nodes[0].memory: expected string or integer, got float",
      "t.toml:5:8: nodes[0].gpus: expected table, got integer",
      "t.toml:6:12: nodes[0].features: expected array of strings or string, got integer",
      "t.toml:11:15: nodes[1].gpus.t4: expected integer, got string"}},
    {"NodeFeaturesAndWeight",
     kNode +
         "features = [\"gpu\", \"a|b\", 3]\nweight = -1\n[[nodes]]\nnames = \"n2\"\ncpus = 1\nmemory = 1\n"
         "features = \"gpu, x y\"\nweight = \"low\"\n" +
         kPartition,
     {"t.toml:5:20: nodes[0].features: invalid feature \"a|b\" (a name without blanks and without & | ( ) [ ] * ! ,)",
      "t.toml:5:27: nodes[0].features[2]: expected string, got integer", "t.toml:6:10: nodes[0].weight: must be >= 0",
      "t.toml:11:12: nodes[1].features: invalid feature \"x y\" (a name without blanks and without & | ( ) [ ] * ! ,)",
      "t.toml:12:10: nodes[1].weight: expected integer, got string"}},
    {"WrongTypesInPartitionsAndPlugins",
     kNode + "[[partitions]]\nname = \"p\"\nmax_time = 60\ndefault = \"yes\"\nallow_users = \"bob\"\n"
             "[plugins.partition]\nlibrary = \"partition\"\nisolate = 1\noptions = \"fast\"\n",
     {"t.toml:7:12: partitions[0].max_time: expected string, got integer",
      "t.toml:8:11: partitions[0].default: expected boolean, got string",
      "t.toml:9:15: partitions[0].allow_users: expected array, got string",
      "t.toml:12:11: plugins.partition.isolate: expected boolean, got integer",
      "t.toml:13:11: plugins.partition.options: expected table, got string"}},
    {"WrongTypesForEntries",
     "nodes = 1\npartitions = [1]\n",
     {"t.toml:1:9: nodes: expected array, got integer", "t.toml:2:15: partitions[0]: expected table, got integer"}},
    {"MissingTopLevelKeys",
     "",
     {"t.toml:1:1: nodes: missing required key", "t.toml:1:1: partitions: missing required key"}},
    {"MissingKeysAtTheirTable",
     "[[partitions]]\npriority_tier = 2\n[[nodes]]\nfeatures = \"x\"\n[plugins.select]\nisolate = true\n",
     {"t.toml:1:1: partitions[0].name: missing required key", "t.toml:3:1: nodes[0].names: missing required key",
      "t.toml:3:1: nodes[0].cpus: missing required key", "t.toml:3:1: nodes[0].memory: missing required key",
      "t.toml:5:1: plugins.select.library: missing required key"}},
    {"EmptyEntries",
     "nodes = []\npartitions = []\n",
     {"t.toml:1:9: nodes: at least one entry is required", "t.toml:2:14: partitions: at least one entry is required"}},
    {"IntegersOutOfRange",
     "[controller]\nnode_timeout = 0\nkill_wait = -1\nmin_job_age = -5\n"
     "[[nodes]]\nnames = \"n1\"\ncpus = 0\nmemory = 0\ngpus = { t4 = -1, a10 = 70000 }\n"
     "[[nodes]]\nnames = \"n2\"\ncpus = 4294967296\nmemory = 1\n"
     "[[partitions]]\nname = \"p\"\npriority_tier = -1\nmax_nodes = -1\nmax_gpus_per_job = 4294967296\n",
     {"t.toml:2:16: controller.node_timeout: must be >= 1", "t.toml:3:13: controller.kill_wait: must be >= 0",
      "t.toml:4:15: controller.min_job_age: must be >= 0", "t.toml:7:8: nodes[0].cpus: must be >= 1",
      "t.toml:8:10: nodes[0].memory: must be >= 1", "t.toml:9:15: nodes[0].gpus.t4: must be >= 0",
      "t.toml:9:25: nodes[0].gpus.a10: must be <= 65535", "t.toml:12:8: nodes[1].cpus: must be <= 4294967295",
      "t.toml:16:17: partitions[0].priority_tier: must be >= 0", "t.toml:17:13: partitions[0].max_nodes: must be >= 0",
      "t.toml:18:20: partitions[0].max_gpus_per_job: must be <= 4294967295"}},
    {"TimeResolutionBelowOneSecond",
     "[controller]\ntime_resolution = 0\n" + kMinimal,
     {"t.toml:2:19: controller.time_resolution: must be >= 1"}},
    {"NegativeGraceTime",
     kMinimal + "[[partitions]]\nname = \"b\"\npreempt_mode = \"requeue\"\ngrace_time = -5\n",
     {"t.toml:10:14: partitions[1].grace_time: must be >= 0"}},
    {"NodeTimeoutNotAboveDefaultHeartbeat",
     "[controller]\nnode_timeout = 5\n" + kMinimal,
     {"t.toml:2:16: controller.node_timeout: must be greater than heartbeat_interval (5)"}},
    {"HeartbeatNotBelowNodeTimeout",
     "[controller]\nnode_timeout = 10\nheartbeat_interval = 10\n" + kMinimal,
     {"t.toml:3:22: controller.heartbeat_interval: must be less than node_timeout (10)"}},
    {"ValuesNotAmongChoices",
     "[controller]\nlog_level = \"verbose\"\nsync = \"off\"\n[auth]\ntype = \"kerberos\"\n" + kNode +
         "[[partitions]]\nname = \"p\"\npreempt_mode = \"suspend\"\nstate = \"drain\"\n",
     {"t.toml:2:13: controller.log_level: expected one of trace|debug|info|warn|error, got \"verbose\"",
      "t.toml:3:8: controller.sync: expected one of normal|full, got \"off\"",
      "t.toml:5:8: auth.type: expected one of munge|peercred, got \"kerberos\"",
      "t.toml:12:16: partitions[0].preempt_mode: expected one of off|requeue|cancel, got \"suspend\"",
      "t.toml:13:9: partitions[0].state: expected one of up|down, got \"drain\""}},
    {"InvalidMemorySizes",
     "[[nodes]]\nnames = \"n1\"\ncpus = 1\nmemory = \"12X\"\n"
     "[[nodes]]\nnames = \"n2\"\ncpus = 1\nmemory = \"0G\"\n" +
         kPartition,
     {"t.toml:4:10: nodes[0].memory: invalid memory size \"12X\"",
      "t.toml:8:10: nodes[1].memory: invalid memory size \"0G\""}},
    {"InvalidHostlists",
     "[[nodes]]\nnames = \"n[1-\"\ncpus = 1\nmemory = 1\n[[nodes]]\nnames = \"\"\ncpus = 1\nmemory = 1\n"
     "[[nodes]]\nnames = \"m1\"\ncpus = 1\nmemory = 1\n[[partitions]]\nname = \"p\"\nnodes = \"m[3-1]\"\n",
     {"t.toml:2:9: nodes[0].names: invalid hostlist \"n[1-\" (unbalanced brackets)",
      "t.toml:6:9: nodes[1].names: must not be empty",
      "t.toml:15:9: partitions[0].nodes: invalid hostlist \"m[3-1]\" (bad range 3-1)"}},
    {"DuplicateNodes",
     "[[nodes]]\nnames = \"n[1-3]\"\ncpus = 1\nmemory = 1\n"
     "[[nodes]]\nnames = \"n[3-4],n1\"\ncpus = 2\nmemory = 2\n" +
         kPartition,
     {"t.toml:6:9: nodes[1].names: duplicate node \"n3\" (also in nodes[0])",
      "t.toml:6:9: nodes[1].names: duplicate node \"n1\" (also in nodes[0])"}},
    {"UnknownPartitionNodes",
     kNode + "[[partitions]]\nname = \"p\"\nnodes = \"n1,x[1-2]\"\n[[partitions]]\nname = \"q\"\nnodes = \"y\"\n",
     {"t.toml:7:9: partitions[0].nodes: unknown nodes \"x[1-2]\"",
      "t.toml:10:9: partitions[1].nodes: unknown node \"y\""}},
    {"PartitionNamesAndDefaults",
     kNode + "[[partitions]]\nname = \"p\"\ndefault = true\n[[partitions]]\nname = \"p\"\ndefault = true\n"
             "[[partitions]]\nname = \"\"\n",
     {"t.toml:9:8: partitions[1].name: duplicate partition \"p\" (also in partitions[0])",
      "t.toml:10:11: partitions[1].default: more than one default partition (also partitions[0])",
      "t.toml:12:8: partitions[2].name: must not be empty"}},
    {"InvalidTimes",
     kNode + "[[partitions]]\nname = \"p\"\nmax_time = \"abc\"\n"
             "[[partitions]]\nname = \"q\"\nmax_time = \"1:00:00\"\ndefault_time = \"2:00:00\"\n"
             "[[partitions]]\nname = \"r\"\nmax_time = \"1:00:00\"\ndefault_time = \"UNLIMITED\"\n",
     {"t.toml:7:12: partitions[0].max_time: invalid time \"abc\"",
      "t.toml:11:16: partitions[1].default_time: exceeds max_time",
      "t.toml:15:16: partitions[2].default_time: exceeds max_time"}},
    {"EmptyPluginLibrary",
     "[plugins.select]\nlibrary = \"\"\n" + kMinimal,
     {"t.toml:2:11: plugins.select.library: must not be empty"}},
    {"ManyKindsTogether",
     "[controller]\nlisten = 6817\n[[nodes]]\nnames = \"n[1-2]\"\nmemory = \"lots\"\n"
     "[[partitions]]\nname = \"p\"\nnodes = \"n3\"\nmax_time = \"forever\"\n"
     "[plugins.scheduler]\nlibrary = \"x\"\n",
     {"t.toml:2:10: controller.listen: expected string, got integer", "t.toml:3:1: nodes[0].cpus: missing required key",
      "t.toml:5:10: nodes[0].memory: invalid memory size \"lots\"",
      "t.toml:8:9: partitions[0].nodes: unknown node \"n3\"",
      "t.toml:9:12: partitions[0].max_time: invalid time \"forever\"",
      "t.toml:10:10: plugins.scheduler: unknown plugin point (known: partition, select, preempt, requeue, launch)"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ConfigErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice

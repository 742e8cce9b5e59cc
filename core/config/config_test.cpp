#include "core/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/config/test_pieces.hpp"

namespace sluice {
namespace {

using config_test::kMinimal;
using config_test::kNode;
using config_test::kPartition;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const Config> parse_ok(const std::string& text) {
  std::vector<std::string> errors;
  auto cfg = parse_config(text, "t.toml", errors);
  EXPECT_THAT(errors, IsEmpty());
  return cfg;
}

std::vector<std::string> names_of(const std::vector<Node>& nodes) {
  std::vector<std::string> out;
  for (const Node& n : nodes) out.push_back(n.name);
  return out;
}

TEST(ConfigTest, DemoFileLoads) {
  std::vector<std::string> errors;
  auto cfg = load_config(SLUICE_SOURCE_DIR "/etc/sluice.toml", errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(cfg->file, SLUICE_SOURCE_DIR "/etc/sluice.toml");
  EXPECT_EQ(cfg->cluster_name, "aicloud");
  EXPECT_EQ(cfg->controller.listen, "tcp://127.0.0.1:6817");
  EXPECT_EQ(cfg->controller.address, "tcp://127.0.0.1:6817");
  EXPECT_EQ(cfg->controller.state_dir, "/var/lib/sluice");
  EXPECT_EQ(cfg->auth.type, "munge");
  EXPECT_EQ(cfg->agent.spool_dir, "/var/spool/sluiced/%n");

  EXPECT_THAT(names_of(cfg->nodes),
              ElementsAre("a256-t4-01", "a256-t4-02", "i256-a10-06", "i256-a40-01", "i256-a40-02"));
  const Node* t4 = cfg->node("a256-t4-02");
  ASSERT_TRUE(t4);
  EXPECT_EQ(t4->cpus, 64u);
  EXPECT_EQ(t4->mem_mb, 256u * 1024);
  ASSERT_EQ(t4->gpus.size(), 6u);
  EXPECT_EQ(t4->gpus[5].index, 5u);
  EXPECT_EQ(t4->gpus[5].type, "t4");
  EXPECT_EQ(t4->features, "t4,gpu");
  EXPECT_THAT(t4->partitions, ElementsAre("prioritized", "batch"));
  EXPECT_EQ(cfg->node("i256-a10-06")->gpus.size(), 4u);
  EXPECT_EQ(cfg->node("i256-a40-01")->gpus.at(3).type, "a40");

  ASSERT_EQ(cfg->partitions.size(), 2u);
  const Partition& prio = cfg->partitions[0];
  EXPECT_EQ(prio.name, "prioritized");
  EXPECT_TRUE(prio.is_default);
  EXPECT_EQ(prio.nodes_expr, "ALL");
  EXPECT_EQ(prio.nodes.size(), 5u);
  EXPECT_EQ(prio.max_time, 6 * 24 * 3600);
  EXPECT_EQ(prio.priority_tier, 10u);
  EXPECT_EQ(prio.preempt_mode, PreemptMode::Off);
  const Partition& batch = cfg->partitions[1];
  EXPECT_EQ(batch.name, "batch");
  EXPECT_FALSE(batch.is_default);
  EXPECT_EQ(batch.max_time, 12 * 3600);
  EXPECT_EQ(batch.default_time, kNoValue);
  EXPECT_EQ(batch.priority_tier, 1u);
  EXPECT_EQ(batch.preempt_mode, PreemptMode::Requeue);

  const PluginConfig& select = cfg->plugins.at("select");
  EXPECT_EQ(select.library, "select_gpu");
  EXPECT_EQ(select.options_path, "plugins.select.options");
  EXPECT_EQ(select.options->at_path("strategy").value<std::string>(), "pack");
  EXPECT_EQ(cfg->plugins.at("partition").library, "partition");
}

TEST(ConfigTest, MinimalConfigGetsDefaults) {
  auto cfg = parse_ok(kMinimal);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->cluster_name, "sluice");
  EXPECT_EQ(cfg->controller.address, cfg->controller.listen);
  EXPECT_EQ(cfg->controller.node_timeout, 30);
  EXPECT_EQ(cfg->controller.time_resolution, 60) << "Slurm's whole minutes";
  EXPECT_THAT(cfg->controller.admins, ElementsAre("root"));
  EXPECT_EQ(cfg->auth.type, "munge");
  const Partition& p = cfg->partitions.at(0);
  EXPECT_TRUE(p.is_default);
  EXPECT_TRUE(p.up);
  EXPECT_EQ(p.max_time, kUnlimited);
  EXPECT_THAT(p.nodes, IsEmpty());
  EXPECT_THAT(cfg->nodes.at(0).partitions, IsEmpty());
  // Points with a default library are always configured; optional ones ("") only when named.
  ASSERT_EQ(cfg->plugins.size(), 2u);
  EXPECT_FALSE(cfg->plugins.contains("launch"));
  for (const auto& [point, library] : default_plugins()) {
    if (library.empty()) continue;
    const PluginConfig& pc = cfg->plugins.at(point);
    EXPECT_EQ(pc.point, point);
    EXPECT_EQ(pc.library, library);
    EXPECT_FALSE(pc.isolate);
    ASSERT_TRUE(pc.options);
    EXPECT_TRUE(pc.options->empty());
    EXPECT_EQ(pc.options_path, "plugins." + point + ".options");
  }
}

TEST(ConfigTest, ExpandsNodesAndNumbersGpus) {
  auto cfg = parse_ok(
      "[[nodes]]\nnames = \"gpu[01-02],big\"\ncpus = 8\nmemory = \"1T\"\ngpus = { t4 = 2, a10 = 1 }\n"
      "[[nodes]]\nnames = \"cpu1\"\ncpus = 2\nmemory = 512\n" +
      kPartition);
  ASSERT_TRUE(cfg);
  EXPECT_THAT(names_of(cfg->nodes), ElementsAre("gpu01", "gpu02", "big", "cpu1"));
  const Node* big = cfg->node("big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->mem_mb, 1024u * 1024);
  ASSERT_EQ(big->gpus.size(), 3u);  // types in key order
  EXPECT_EQ(big->gpus[0].type, "a10");
  EXPECT_EQ(big->gpus[1].type, "t4");
  EXPECT_EQ(big->gpus[2].index, 2u);
  EXPECT_EQ(cfg->node("cpu1")->mem_mb, 512u);
  EXPECT_THAT(cfg->node("cpu1")->gpus, IsEmpty());
  EXPECT_EQ(cfg->node("gpu03"), nullptr);
}

// features: an array of names or one comma-separated string (blanks trimmed, repeats dropped);
// weight: Slurm's Weight, 1 unless given.
TEST(ConfigTest, NodeFeaturesAndWeight) {
  auto cfg = parse_ok(
      "[[nodes]]\nnames = \"g1\"\ncpus = 8\nmemory = 1\nfeatures = [\"gpu\", \"a40\", \"gpu\"]\nweight = 10\n"
      "[[nodes]]\nnames = \"g2\"\ncpus = 8\nmemory = 1\nfeatures = \" gpu , t4,\"\n"
      "[[nodes]]\nnames = \"c1\"\ncpus = 8\nmemory = 1\nweight = 0\n" +
      kPartition);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->node("g1")->features, "gpu,a40");
  EXPECT_EQ(cfg->node("g1")->weight, 10u);
  EXPECT_EQ(cfg->node("g2")->features, "gpu,t4");
  EXPECT_EQ(cfg->node("g2")->weight, 1u);
  EXPECT_EQ(cfg->node("c1")->features, "");
  EXPECT_EQ(cfg->node("c1")->weight, 0u);
}

TEST(ConfigTest, PartitionsResolveNodesAndDefault) {
  auto cfg = parse_ok(
      "[[nodes]]\nnames = \"a[1-3]\"\ncpus = 1\nmemory = 1\n"
      "[[partitions]]\nname = \"p1\"\nnodes = \"a[1-2],a1\"\n"
      "[[partitions]]\nname = \"p2\"\nnodes = \"ALL\"\ndefault = true\nmax_time = \"2:00:00\"\n"
      "default_time = \"30\"\npreempt_mode = \"CANCEL\"\nstate = \"down\"\n"
      "allow_groups = [\"ALL\"]\nallow_users = [\"bob\", \"eve\"]\n");
  ASSERT_TRUE(cfg);
  const Partition& p1 = cfg->partitions.at(0);
  const Partition& p2 = cfg->partitions.at(1);
  EXPECT_FALSE(p1.is_default);
  EXPECT_THAT(p1.nodes, ElementsAre("a1", "a2"));
  EXPECT_TRUE(p2.is_default);
  EXPECT_THAT(p2.nodes, ElementsAre("a1", "a2", "a3"));
  EXPECT_EQ(p2.max_time, 7200);
  EXPECT_EQ(p2.default_time, 1800);
  EXPECT_EQ(p2.preempt_mode, PreemptMode::Cancel);
  EXPECT_FALSE(p2.up);
  EXPECT_THAT(p2.allow_groups, IsEmpty());
  EXPECT_THAT(p2.allow_users, ElementsAre("bob", "eve"));
  EXPECT_THAT(cfg->node("a1")->partitions, ElementsAre("p1", "p2"));
  EXPECT_THAT(cfg->node("a3")->partitions, ElementsAre("p2"));
}

TEST(ConfigTest, PluginOptionsAreOpaqueAndLiveInTheDocument) {
  auto cfg = parse_ok(kMinimal +
                      "[plugins.select]\nlibrary = \"/opt/libx.so\"\nisolate = true\n"
                      "[plugins.select.options]\nanything = { nested = [1, \"two\"] }\n");
  ASSERT_TRUE(cfg);
  const PluginConfig& pc = cfg->plugins.at("select");
  EXPECT_EQ(pc.library, "/opt/libx.so");
  EXPECT_TRUE(pc.isolate);
  EXPECT_EQ(pc.options.get(), cfg->doc->at_path("plugins.select.options").as_table());
  EXPECT_EQ(pc.options->at_path("anything.nested[1]").value<std::string>(), "two");
  EXPECT_EQ(cfg->plugins.at("partition").library, "partition");
}

TEST(ConfigTest, UnreadableFiles) {
  std::vector<std::string> errors;
  EXPECT_FALSE(load_config("/nonexistent/sluice.toml", errors));
  EXPECT_FALSE(load_config("/", errors));
  EXPECT_THAT(errors, ElementsAre("/nonexistent/sluice.toml: cannot read file: No such file or directory",
                                  "/: cannot read file: Is a directory"));
}

TEST(ConfigTest, DefaultConfigPath) {
  const char* old = std::getenv("SLUICE_CONF");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  setenv("SLUICE_CONF", "/tmp/site.toml", 1);
  EXPECT_EQ(default_config_path(), "/tmp/site.toml");
  setenv("SLUICE_CONF", "", 1);
  EXPECT_EQ(default_config_path(), "/etc/sluice/sluice.toml");
  unsetenv("SLUICE_CONF");
  EXPECT_EQ(default_config_path(), "/etc/sluice/sluice.toml");
  if (saved) setenv("SLUICE_CONF", saved->c_str(), 1);
}

// A directory of config files for include tests, removed afterwards.
class ConfigFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-config-test.XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

const std::string kBase =
    "[cluster]\nname = \"base\"\n"                                         // 1-2
    "[controller]\nlisten = \"tcp://10.0.0.1:6817\"\nnode_timeout = 10\n"  // 3-5
    "state_dir = \"/var/lib/base\"\n" +                                    // 6
    kMinimal +                                                             // 7-12
    "[plugins.select]\nlibrary = \"../lib/libsel.so\"\n"                   // 13-14
    "[plugins.select.options]\nstrategy = \"pack\"\n";                     // 15-16

TEST_F(ConfigFilesTest, IncludingFileOverridesKeyByKey) {
  const std::string base = write("base.toml", kBase);
  const std::string top = write("local.toml",
                                "include = \"base.toml\"\n[controller]\nlisten = \"ipc:///tmp/x.sock\"\n"
                                "state_dir = \"/tmp/state\"\n[auth]\ntype = \"peercred\"\n");
  std::vector<std::string> errors;
  auto cfg = load_config(top, errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_EQ(cfg->file, top);
  EXPECT_EQ(cfg->cluster_name, "base");
  EXPECT_EQ(cfg->controller.listen, "ipc:///tmp/x.sock");
  EXPECT_EQ(cfg->controller.address, "ipc:///tmp/x.sock");
  EXPECT_EQ(cfg->controller.state_dir, "/tmp/state");
  EXPECT_EQ(cfg->controller.node_timeout, 10);
  EXPECT_EQ(cfg->auth.type, "peercred");
  EXPECT_THAT(names_of(cfg->nodes), ElementsAre("n1"));
  const PluginConfig& select = cfg->plugins.at("select");
  EXPECT_EQ(select.file, base);
  EXPECT_EQ(select.library, std::filesystem::path(dir_).parent_path() / "lib/libsel.so");
  EXPECT_EQ(select.options->at_path("strategy").value<std::string>(), "pack");
  EXPECT_EQ(cfg->plugins.at("partition").file, top);
  // Positions stay those of the file that holds the value.
  EXPECT_EQ(select.options->at_path("strategy").node()->source().begin.line, 16u);
}

TEST_F(ConfigFilesTest, LaterIncludesOverrideEarlierOnes) {
  std::filesystem::create_directories(dir_ + "/sub");
  write("a.toml", kBase);
  write("sub/b.toml", "include = \"c.toml\"\n[cluster]\nname = \"b\"\n[controller]\nnode_timeout = 20\n");
  write("sub/c.toml", "[controller]\nnode_timeout = 30\nkill_wait = 7\ntime_resolution = 1\n");
  const std::string top = write("top.toml", "include = [\"a.toml\", \"sub/b.toml\"]\n");
  std::vector<std::string> errors;
  auto cfg = load_config(top, errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_EQ(cfg->cluster_name, "b");
  EXPECT_EQ(cfg->controller.node_timeout, 20);
  EXPECT_EQ(cfg->controller.kill_wait, 7);
  EXPECT_EQ(cfg->controller.time_resolution, 1);
  EXPECT_EQ(cfg->controller.listen, "tcp://10.0.0.1:6817");
}

TEST_F(ConfigFilesTest, ErrorsNameTheFileThatHoldsTheValue) {
  const std::string base = write("base.toml", kNode + "[[partitions]]\nname = \"p\"\nmax_time = \"forever\"\n");
  const std::string top = write("top.toml", "include = \"base.toml\"\n[controller]\nkill_wait = -1\n");
  std::vector<std::string> errors;
  EXPECT_FALSE(load_config(top, errors));
  EXPECT_THAT(errors, ElementsAre(top + ":3:13: controller.kill_wait: must be >= 0",
                                  base + ":7:12: partitions[0].max_time: invalid time \"forever\""));
  errors.clear();
  write("base.toml", kMinimal + "[controller\n");
  EXPECT_FALSE(load_config(top, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], ::testing::StartsWith(base + ":7:"));
}

TEST_F(ConfigFilesTest, BadIncludes) {
  write("loop.toml", "include = \"top.toml\"\n");
  const std::string top = write("top.toml", "include = [\"nosuch.toml\", 5, \"loop.toml\"]\n" + kMinimal);
  std::vector<std::string> errors;
  EXPECT_FALSE(load_config(top, errors));
  EXPECT_THAT(
      errors,
      ElementsAre(top + ":1:12: include[0]: cannot read \"" + dir_ + "/nosuch.toml\": No such file or directory",
                  top + ":1:27: include[1]: expected string, got integer",
                  dir_ + "/loop.toml:1:11: include: include cycle: \"" + top + "\" is already being read"));
  errors.clear();
  EXPECT_FALSE(parse_config("include = { a = 1 }\n" + kMinimal, "t.toml", errors));
  EXPECT_THAT(errors, ElementsAre("t.toml:1:11: include: expected string or array, got table"));
}

TEST(ClientConfigTest, TakesTheEndpointAndIgnoresErrorsElsewhere) {
  const std::string text =
      "colour = 1\n[cluster]\nname = \"c\"\nsize = 3\n"
      "[controller]\naddress = \"tcp://ctl:6817\"\nnode_timeout = \"soon\"\nkill_wait = 9\nfuture_key = 1\n"
      "[auth]\ntype = \"munge\"\nsocket = \"/run/m.sock\"\n"
      "[[partitions]]\nname = \"p\"\nmax_time = \"forever\"\nnodes = \"nosuch\"\n"
      "[plugins.select]\nlibrary = \"select_gpu\"\n[plugins.sched]\nlibrary = \"x\"\n";
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_config(text, "t.toml", errors));
  EXPECT_FALSE(errors.empty());
  errors.clear();
  auto cfg = parse_client_config(text, "t.toml", errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(cfg->file, "t.toml");
  EXPECT_EQ(cfg->cluster_name, "c");
  EXPECT_EQ(cfg->controller.address, "tcp://ctl:6817");
  EXPECT_EQ(cfg->controller.node_timeout, 30);
  EXPECT_EQ(cfg->controller.kill_wait, 9);
  EXPECT_EQ(cfg->auth.socket, "/run/m.sock");
  EXPECT_THAT(cfg->nodes, IsEmpty());
  EXPECT_THAT(cfg->partitions, IsEmpty());
  EXPECT_EQ(cfg->plugins.at("select").library, "select_gpu");
}

TEST(ClientConfigTest, ReadsPastASyntaxErrorOutsideItsTables) {
  // A header inside a multi-line string is text, not a table.
  const std::string text =
      "[controller]\nlisten = \"tcp://ctl:1\"\n"
      "[[partitions]]\nname = \"p\"\nnote = \"\"\"\n[controller]\nlisten = \"tcp://evil:2\"\n\"\"\"\n"
      "max_time = \n"
      "[auth]\ntype = \"peercred\"\n";
  std::vector<std::string> errors;
  auto cfg = parse_client_config(text, "t.toml", errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_EQ(cfg->controller.address, "tcp://ctl:1");
  EXPECT_EQ(cfg->auth.type, "peercred");
}

TEST(ClientConfigTest, ReportsErrorsInWhatItConnectsWith) {
  std::vector<std::string> errors;
  EXPECT_FALSE(
      parse_client_config("[controller]\naddress = 6817\nnode_timeout = \"x\"\n[auth]\ntype = \"kerberos\"\n"
                          "[[partitions]]\nmax_time = 1\n",
                          "t.toml", errors));
  EXPECT_THAT(errors, ElementsAre("t.toml:2:11: controller.address: expected string, got integer",
                                  "t.toml:5:8: auth.type: expected one of munge|peercred, got \"kerberos\""));
  errors.clear();
  EXPECT_FALSE(parse_client_config("[[nodes]]\nnames = \"n1\"\n[controller]\nlisten = \n", "t.toml", errors));
  EXPECT_THAT(errors, ElementsAre("t.toml:4:10: Error while parsing key-value pair: expected value, saw '\\n'"));
  errors.clear();
  EXPECT_FALSE(parse_client_config("controller = 1\n", "t.toml", errors));
  EXPECT_THAT(errors, ElementsAre("t.toml:1:14: controller: expected table, got integer"));
}

TEST_F(ConfigFilesTest, ClientIgnoresIncludesItCannotRead) {
  const std::string top = write("top.toml", "include = \"nosuch.toml\"\n[controller]\naddress = \"tcp://c:1\"\n");
  std::vector<std::string> errors;
  EXPECT_FALSE(load_config(top, errors));
  errors.clear();
  auto cfg = load_client_config(top, errors);
  ASSERT_TRUE(cfg) << ::testing::PrintToString(errors);
  EXPECT_EQ(cfg->controller.address, "tcp://c:1");
}

}  // namespace
}  // namespace sluice

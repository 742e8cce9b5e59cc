#include "cli/show_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace sluice::cli {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::shared_ptr<const Config> client_config(const std::string& text) {
  std::vector<std::string> errors;
  auto cfg = parse_client_config(text, "/etc/sluice/sluice.toml", errors);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  return cfg;
}

// The "...Type" items only.
std::map<std::string, std::string> plugin_items(const std::vector<std::pair<std::string, std::string>>& items) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : items)
    if (k.ends_with("Type") && k != "AuthType") out[k] = v;
  return out;
}

TEST(ShowConfigTest, SettingsInSlurmOrder) {
  auto cfg = client_config("[cluster]\nname = \"c\"\n[controller]\nlisten = \"tcp://ctl:6817\"\nkill_wait = 5\n");
  const auto items = show_config_items(*cfg, std::nullopt, "ctl");
  std::vector<std::string> names;
  for (const auto& [k, v] : items) names.push_back(k);
  EXPECT_THAT(names, ::testing::ElementsAre("AuthType", "ClusterName", "KillWait", "MinJobAge", "PartitionType",
                                            "SLURM_CONF", "SLURM_VERSION", "SelectType", "SlurmctldHost[0]",
                                            "SlurmctldLogFile", "SlurmdTimeout", "StateSaveLocation"));
  EXPECT_EQ(items[2].second, "5 sec");
  EXPECT_EQ(items[5].second, "/etc/sluice/sluice.toml");
  EXPECT_EQ(items[8].second, "ctl");
}

TEST(ShowConfigTest, WithoutTheControllersListThePointsTheDaemonsLoad) {
  // preempt and requeue are accepted in the config, but nothing loads them.
  auto cfg = client_config(
      "[plugins.select]\nlibrary = \"/opt/sluice/libmy_select.so\"\nisolate = true\n"
      "[plugins.preempt]\nlibrary = \"prio\"\n[plugins.requeue]\nlibrary = \"rq\"\n"
      "[plugins.launch]\nlibrary = \"tag\"\n");
  EXPECT_THAT(plugin_items(show_config_items(*cfg, std::nullopt, "h")),
              UnorderedElementsAre(Pair("LaunchType", "launch/tag"), Pair("PartitionType", "partition/partition"),
                                   Pair("SelectType", "select/my_select (isolated)")));
  // A ping reply without the fields changes nothing.
  EXPECT_EQ(plugin_items(show_config_items(*cfg, Json{{"version", "0.1.0"}}, "h")).size(), 3u);
}

TEST(ShowConfigTest, TheControllersListWins) {
  auto cfg = client_config("[plugins.select]\nlibrary = \"select_gpu\"\n");
  const Json ping = {{"config", "/srv/cluster/sluice.toml"},
                     {"plugins",
                      {{"partition", {{"library", "partition"}, {"isolate", false}}},
                       {"select", {{"library", "/opt/libspread.so"}, {"isolate", true}}},
                       {"preempt", {{"library", "partition_prio"}}}}}};
  const auto items = show_config_items(*cfg, ping, "h");
  EXPECT_THAT(plugin_items(items), UnorderedElementsAre(Pair("PartitionType", "partition/partition"),
                                                        Pair("PreemptType", "preempt/partition_prio"),
                                                        Pair("SelectType", "select/spread (isolated)")));
  EXPECT_THAT(items, ::testing::Contains(Pair("SLURM_CONF", "/srv/cluster/sluice.toml")));
  // A point the controller leaves out has no line.
  EXPECT_THAT(plugin_items(show_config_items(*cfg, Json{{"plugins", Json::object()}}, "h")), ::testing::IsEmpty());
}

}  // namespace
}  // namespace sluice::cli

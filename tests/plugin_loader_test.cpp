// The plugin loader against real plugins and plugins broken on purpose (tests/fixtures): every
// refusal names the file and the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/ctld/plugins.hpp"
#include "tests/fixtures/plugin_harness.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kFixtures = SLUICE_FIXTURE_DIR;
const std::string kPlugins = SLUICE_PLUGIN_DIR;

std::string fixture(const std::string& name) { return kFixtures + "/lib" + name + ".so"; }

template <typename T>
std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

struct RefusalCase {
  std::string name;
  std::string library;  // as configured under [plugins.select]
  std::string options;
  std::string error;  // the one error load_plugin reports
};

class Refusal : public testing::TestWithParam<RefusalCase> {};

TEST_P(Refusal, NamesFileAndReason) {
  const auto h = test::load("select", GetParam().library, GetParam().options);
  EXPECT_FALSE(h.plugin);
  EXPECT_THAT(h.errors, ElementsAre(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Refusal,
    testing::ValuesIn(std::vector<RefusalCase>{
        {"MissingFile", fixture("nosuch"), "", "plugins.select: plugin library not found: " + fixture("nosuch")},
        {"BareNameNotFound", "nosuch", "", "plugins.select: plugin library not found: libnosuch.so"},
        {"NotASharedObject", fixture("garbage"), "",
         "plugins.select: cannot load " + fixture("garbage") + ": " + fixture("garbage") + ": invalid ELF header"},
        {"MissingSymbol", fixture("fixture_missing_symbol"), "",
         "plugins.select: " + fixture("fixture_missing_symbol") + ": missing symbol sluice_create"},
        {"AbiMismatch", fixture("fixture_abi_mismatch"), "",
         std::string("ABI mismatch: got sluice-sdk/0.9;gcc-0.0, expected ") + kSdkAbi + " (" +
             fixture("fixture_abi_mismatch") + ")"},
        {"ThrowingFactory", fixture("fixture_throwing_factory"), "",
         "plugins.select: " + fixture("fixture_throwing_factory") + ": factory failed: boom"},
        {"OptionsRejected", fixture("fixture_options_rejected"), "answer = 41",
         "t.toml:" + std::to_string(test::kOptionsLine) + ":10: plugins.select.options.answer: must be 42"},
    }),
    case_name<RefusalCase>);

struct LoadCase {
  std::string name;
  std::string point;
  std::string library;
  std::string options;
  std::string tail;
  std::string path;         // where it was found
  std::string plugin_name;  // Plugin::name()
};

class Loads : public testing::TestWithParam<LoadCase> {};

TEST_P(Loads, FindsCreatesAndConfigures) {
  const LoadCase& c = GetParam();
  const auto h = test::load(c.point, c.library, c.options, c.tail);
  ASSERT_TRUE(h.plugin) << testing::PrintToString(h.errors);
  EXPECT_THAT(h.errors, IsEmpty());
  EXPECT_EQ(h.plugin->path, c.path);
  EXPECT_EQ(h.plugin->object->name(), c.plugin_name);
}

INSTANTIATE_TEST_SUITE_P(Cases, Loads,
                         testing::ValuesIn(std::vector<LoadCase>{
                             {"PartitionByBareName", "partition", "partition", "", "", kPlugins + "/libpartition.so",
                              "partition/partition"},
                             {"SelectGpuByBareName", "select", "select_gpu", "strategy = \"spread\"", "",
                              kPlugins + "/libselect_gpu.so", "select/select_gpu"},
                             {"SelectGpuByPath", "select", kPlugins + "/libselect_gpu.so", "", "",
                              kPlugins + "/libselect_gpu.so", "select/select_gpu"},
                             {"BareNameThroughPluginDirs", "select", "fixture_crashy_select", "",
                              "[controller]\nplugin_dirs = [\"/nonexistent\", \"" + kFixtures + "\"]\n",
                              fixture("fixture_crashy_select"), "fixture/crashy_select"},
                             {"OptionsAccepted", "select", fixture("fixture_options_rejected"), "answer = 42", "",
                              fixture("fixture_options_rejected"), "fixture/options_rejected"},
                         }),
                         case_name<LoadCase>);

TEST(RealPlugins, ImplementTheirPoints) {
  EXPECT_TRUE(test::load("partition", "partition").as<PartitionPolicy>());
  EXPECT_TRUE(test::load("select", "select_gpu").as<SelectPolicy>());
}

// The interface is checked before the options: a partition policy under [plugins.select] is named
// as such, not reported as not knowing the select plugin's options; the plugin set refuses it too.
TEST(WrongPoint, RefusedBeforeItsOptions) {
  const auto h = test::load("select", fixture("fixture_wrong_point"));
  EXPECT_FALSE(h.plugin);
  EXPECT_THAT(h.errors, ElementsAre("plugins.select: " + fixture("fixture_wrong_point") + " is not a select plugin"));
  const auto real = test::load("select", "partition", "strategy = \"pack\"");
  EXPECT_THAT(real.errors, ElementsAre("plugins.select: " + kPlugins + "/libpartition.so is not a select plugin"));

  std::vector<std::string> errors;
  EXPECT_FALSE(PluginSet::load(*h.config, errors));
  EXPECT_THAT(errors, ElementsAre("plugins.select: " + fixture("fixture_wrong_point") + " is not a select plugin"));
}

// The optional controller-side points are loaded (and checked) when configured.
TEST(PluginSetTest, LoadsConfiguredOptionalPoints) {
  const auto h = test::load("preempt", fixture("fixture_wrong_point"));
  EXPECT_THAT(h.errors, ElementsAre("plugins.preempt: " + fixture("fixture_wrong_point") + " is not a preempt plugin"));
  std::vector<std::string> errors;
  EXPECT_FALSE(PluginSet::load(*h.config, errors));
  EXPECT_THAT(errors, ElementsAre("plugins.preempt: " + fixture("fixture_wrong_point") + " is not a preempt plugin"));

  const auto plain = test::load("select", "select_gpu");
  auto set = PluginSet::load(*plain.config, errors = {});
  ASSERT_TRUE(set) << testing::PrintToString(errors);
  EXPECT_EQ(set->preempt(), nullptr);
  EXPECT_EQ(set->requeue(), nullptr);
  EXPECT_THAT(set->sources(), ElementsAre(testing::Pair("partition", kPlugins + "/libpartition.so"),
                                          testing::Pair("select", kPlugins + "/libselect_gpu.so")));
}

// A library replaced on disk while it is loaded does not disturb the loaded copy, and loading the
// same name again loads the new file.
TEST(PrivateCopy, ReplacingTheFileIsHarmlessAndReloadsTheNewCode) {
  const fs::path dir = fs::temp_directory_path() / ("sluice-loader-copy-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all);
  const std::string lib = (dir / "libswap.so").string();
  fs::copy_file(kPlugins + "/libselect_gpu.so", lib, fs::copy_options::overwrite_existing);
  auto first = test::load("select", lib);
  ASSERT_TRUE(first.as<SelectPolicy>()) << testing::PrintToString(first.errors);
  // Overwrite in place (same inode), as `cp new.so old.so` does.
  {
    std::ifstream in(fixture("fixture_crashy_select"), std::ios::binary);
    std::ofstream out(lib, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  EXPECT_EQ(first.plugin->object->name(), "select/select_gpu") << "the loaded copy is untouched";
  auto second = test::load("select", lib);
  ASSERT_TRUE(second.plugin) << testing::PrintToString(second.errors);
  EXPECT_EQ(second.plugin->object->name(), "fixture/crashy_select") << "the same name loads the new code";
  fs::remove_all(dir);
}

// The crashy select used by the isolation tests behaves as documented (its "hang" costs 60 s: untested).
TEST(CrashySelect, PlacesJobsAndAbortsOnBoom) {
  const auto h = test::load("select", fixture("fixture_crashy_select"));
  auto* select = h.as<SelectPolicy>();
  ASSERT_TRUE(select) << testing::PrintToString(h.errors);
  std::vector<Node> nodes(2);
  nodes[0].name = "a", nodes[1].name = "b";
  for (Node& n : nodes) n.cpus = 2, n.responding = true;
  nodes[0].alloc_cpus = 2;
  std::vector<Partition> partitions(1);
  partitions[0].name = "p", partitions[0].nodes = {"a", "b"};
  const ClusterView cluster{nodes, partitions};
  Job job;
  job.spec.partition = "p";
  job.spec.ntasks = 2;
  std::vector<NodeAlloc> out;
  EXPECT_TRUE(select->feasible(job, cluster).is_ok());
  ASSERT_TRUE(select->select(job, cluster, out).is_ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].node, "b");
  EXPECT_EQ(out[0].cpus, 2u);
  job.spec.name = "boom";
  EXPECT_DEATH(select->select(job, cluster, out), "");
}

// A root-run loader loads only files that root alone can change, up to "/".
struct PermissionCase {
  std::string name;
  fs::perms dir_mode, file_mode;
  uid_t dir_owner, file_owner;
  std::string offender;  // "dir", "file" or "" (loads)
};

class Permissions : public testing::TestWithParam<PermissionCase> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the permission check applies to root only";
    std::string tmpl = kFixtures + "/perm-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl.data()));
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
};

TEST_P(Permissions, RefusesWhatOthersCanChange) {
  const PermissionCase& c = GetParam();
  const std::string file = dir_ + "/libselect_gpu.so";
  fs::copy_file(kPlugins + "/libselect_gpu.so", file);
  fs::permissions(file, c.file_mode);
  fs::permissions(dir_, c.dir_mode);
  ASSERT_EQ(chown(file.c_str(), c.file_owner, 0), 0);
  ASSERT_EQ(chown(dir_.c_str(), c.dir_owner, 0), 0);

  const auto h = test::load("select", file);
  if (c.offender.empty()) {
    EXPECT_TRUE(h.plugin);
    EXPECT_THAT(h.errors, IsEmpty());
  } else {
    EXPECT_FALSE(h.plugin);
    const std::string& offender = c.offender == "dir" ? dir_ : file;
    EXPECT_THAT(h.errors, ElementsAre("plugins.select: refusing " + file + ": " + offender +
                                      " is writable by someone other than root"));
  }
}

constexpr auto k755 = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec;

INSTANTIATE_TEST_SUITE_P(Cases, Permissions,
                         testing::ValuesIn(std::vector<PermissionCase>{
                             {"RootOnlyLoads", k755, k755, 0, 0, ""},
                             {"GroupWritableDir", k755 | fs::perms::group_write, k755, 0, 0, "dir"},
                             {"OtherWritableDir", k755 | fs::perms::others_write, k755, 0, 0, "dir"},
                             // Like /tmp: others may add entries but not replace root's.
                             {"StickyOtherWritableDirLoads",
                              k755 | fs::perms::group_write | fs::perms::others_write | fs::perms::sticky_bit, k755, 0,
                              0, ""},
                             {"DirOwnedByOther", k755, k755, 1, 0, "dir"},
                             {"GroupWritableFile", k755, k755 | fs::perms::group_write, 0, 0, "file"},
                             {"OtherWritableFile", k755, k755 | fs::perms::others_write, 0, 0, "file"},
                             {"FileOwnedByOther", k755, k755, 0, 1, "file"},
                         }),
                         case_name<PermissionCase>);

}  // namespace
}  // namespace sluice

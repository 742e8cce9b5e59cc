// NVML through the stand-in library (tests/fixtures/fake_nvml.cpp), loaded by the same dlopen path
// sluiced uses: discovery, PCI ordering, type mapping, link groups, sampling and every error path.
#include "core/noded/nvml.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace sluice {
namespace {

const std::string kStandin = std::string(SLUICE_FIXTURE_DIR) + "/libnvidia-ml-standin.so";

class NvmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/nvml_test." + std::to_string(::getpid()) + ".json";
    ::setenv("SLUICE_FAKE_NVML", path_.c_str(), 1);
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::unsetenv("SLUICE_FAKE_NVML");
  }
  void answer(const std::string& json) { std::ofstream(path_) << json; }
  std::string path_;
};

// Listed out of PCI order: two A40s on one switch, a T4 elsewhere.
const char* kThree = R"({"devices": [
  {"name": "NVIDIA A40", "uuid": "GPU-a40-b", "bus_id": "00000000:81:00.0", "minor": 2, "memory_mb": 46068,
   "util": 75, "mem_used_mb": 1200, "switch": 1},
  {"name": "Tesla T4", "uuid": "GPU-t4", "bus_id": "0000:3b:00.0", "minor": 0, "memory_mb": 15360, "switch": 0},
  {"name": "NVIDIA A40", "uuid": "GPU-a40-a", "bus_id": "00000000:41:00.0", "minor": 1, "memory_mb": 46068,
   "switch": 1}]})";

TEST_F(NvmlTest, DiscoversInPciOrderWithTypesAndLinkGroups) {
  answer(kThree);
  std::string why;
  auto nvml = Nvml::open(kStandin, &why);
  ASSERT_TRUE(nvml) << why;
  auto gpus = nvml->discover({{"Tesla T4", "turing"}}, &why);
  ASSERT_TRUE(gpus) << why;
  ASSERT_EQ(gpus->size(), 3u);
  const Gpu& t4 = (*gpus)[0];
  EXPECT_EQ(t4.index, 0u);
  EXPECT_EQ(t4.type, "turing");  // the override
  EXPECT_EQ(t4.name, "Tesla T4");
  EXPECT_EQ(t4.pci_bus_id, "00000000:3B:00.0");
  EXPECT_EQ(t4.uuid, "GPU-t4");
  EXPECT_EQ(t4.memory_mb, 15360u);
  EXPECT_EQ((*gpus)[1].uuid, "GPU-a40-a");
  EXPECT_EQ((*gpus)[1].type, "a40");  // the default rule
  EXPECT_EQ((*gpus)[1].minor, 1u);
  EXPECT_EQ((*gpus)[2].uuid, "GPU-a40-b");
  EXPECT_EQ((*gpus)[2].index, 2u);
  EXPECT_EQ(t4.link_group, 0);
  EXPECT_EQ((*gpus)[1].link_group, 1);
  EXPECT_EQ((*gpus)[2].link_group, 1);  // same switch as the other A40
}

TEST_F(NvmlTest, NoTopologyLeavesLinkGroupsUnknown) {
  answer(R"({"fail": {"nvmlDeviceGetTopologyCommonAncestor": 3}, "devices": [{"bus_id": "0:1:0.0"},
            {"bus_id": "0:2:0.0"}]})");
  std::string why;
  auto nvml = Nvml::open(kStandin, &why);
  ASSERT_TRUE(nvml) << why;
  auto gpus = nvml->discover({}, &why);
  ASSERT_TRUE(gpus) << why;
  EXPECT_EQ((*gpus)[0].link_group, -1);
  EXPECT_EQ((*gpus)[1].link_group, -1);
}

TEST_F(NvmlTest, NoGpusIsAnEmptyInventory) {
  answer(R"({"devices": []})");
  std::string why;
  auto nvml = Nvml::open(kStandin, &why);
  ASSERT_TRUE(nvml) << why;
  auto gpus = nvml->discover({}, &why);
  ASSERT_TRUE(gpus) << why;
  EXPECT_TRUE(gpus->empty());
}

TEST_F(NvmlTest, SamplesUtilisationAndMemoryAsTheyChange) {
  answer(kThree);
  std::string why;
  auto nvml = Nvml::open(kStandin, &why);
  ASSERT_TRUE(nvml && nvml->discover({}, &why)) << why;
  auto s = nvml->sample("00000000:81:00.0", &why);
  ASSERT_TRUE(s) << why;
  EXPECT_EQ(s->util_pct, 75u);
  EXPECT_EQ(s->mem_used_mb, 1200u);
  std::string changed = kThree;
  changed.replace(changed.find("\"util\": 75"), 10, "\"util\": 3");
  answer(changed);
  s = nvml->sample("0:81:0.0", &why);  // any form of the bus id
  ASSERT_TRUE(s) << why;
  EXPECT_EQ(s->util_pct, 3u);
  EXPECT_FALSE(nvml->sample("0000:99:00.0", &why));
  EXPECT_EQ(why, "no GPU at PCI bus id 0000:99:00.0");
  answer(R"({"fail": {"nvmlDeviceGetUtilizationRates": 15}, "devices": [{}, {}, {}]})");
  EXPECT_FALSE(nvml->sample("00000000:41:00.0", &why));
  EXPECT_EQ(why, "nvmlDeviceGetUtilizationRates failed: GPU is lost");
}

TEST_F(NvmlTest, MissingLibrary) {
  std::string why;
  EXPECT_FALSE(Nvml::open("/nonexistent/libnvidia-ml.so.1", &why));
  EXPECT_EQ(why.rfind("cannot load /nonexistent/libnvidia-ml.so.1: ", 0), 0u) << why;
}

TEST_F(NvmlTest, LibraryThatIsNotNvml) {
  const std::string other = std::string(SLUICE_FIXTURE_DIR) + "/libfixture_wrong_point.so";
  std::string why;
  EXPECT_FALSE(Nvml::open(other, &why));
  EXPECT_EQ(why, other + " lacks nvmlInit_v2");
  EXPECT_FALSE(Nvml::open(std::string(SLUICE_FIXTURE_DIR) + "/libgarbage.so", &why));
  EXPECT_NE(why.find("cannot load"), std::string::npos) << why;
}

TEST_F(NvmlTest, InitFailureNamesNvmlsError) {
  answer(R"({"fail": {"nvmlInit_v2": 9}, "devices": []})");
  std::string why;
  EXPECT_FALSE(Nvml::open(kStandin, &why));
  EXPECT_EQ(why, "nvmlInit_v2 failed: Driver Not Loaded");
  ::unsetenv("SLUICE_FAKE_NVML");  // the stand-in without answers: no driver
  EXPECT_FALSE(Nvml::open(kStandin, &why));
  EXPECT_EQ(why, "nvmlInit_v2 failed: Driver Not Loaded");
}

TEST_F(NvmlTest, DeviceErrorsFailDiscovery) {
  struct Case {
    const char* fn;
    const char* why;
  } cases[] = {
      {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount_v2 failed: Unknown Error"},
      {"nvmlDeviceGetUUID", "nvmlDeviceGetUUID(0) failed: Unknown Error"},
      {"nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v3(0) failed: Unknown Error"},
      {"nvmlDeviceGetMemoryInfo", "nvmlDeviceGetMemoryInfo(0) failed: Unknown Error"},
  };
  for (const auto& c : cases) {
    answer(std::string(R"({"devices": [{}], "fail": {")") + c.fn + R"(": 999}})");
    std::string why;
    auto nvml = Nvml::open(kStandin, &why);
    ASSERT_TRUE(nvml) << why;
    EXPECT_FALSE(nvml->discover({}, &why)) << c.fn;
    EXPECT_EQ(why, c.why);
  }
}

TEST_F(NvmlTest, TwoGpusOnOneBusIdAreRefused) {
  answer(R"({"devices": [{"bus_id": "0:1:0.0"}, {"bus_id": "00000000:01:00.0"}]})");
  std::string why;
  auto nvml = Nvml::open(kStandin, &why);
  ASSERT_TRUE(nvml) << why;
  EXPECT_FALSE(nvml->discover({}, &why));
  EXPECT_EQ(why, "two GPUs report PCI bus id 00000000:01:00.0");
}

}  // namespace
}  // namespace sluice

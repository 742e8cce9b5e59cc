// Device names to types, PCI bus order, GRES strings and the mismatch that drains a node.
#include "core/slurm/gpu_inventory.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

struct TypeCase {
  const char* name;
  const char* type;
};

TEST(GpuTypeTest, DefaultRule) {
  const TypeCase cases[] = {
      {"NVIDIA A40", "a40"},
      {"Tesla T4", "t4"},
      {"NVIDIA H200", "h200"},
      {"NVIDIA A10", "a10"},
      {"NVIDIA A100-SXM4-80GB", "a100"},
      {"NVIDIA H100 80GB HBM3", "h100"},
      {"Tesla V100-SXM2-16GB", "v100"},
      {"NVIDIA L40S", "l40s"},
      {"NVIDIA GeForce RTX 3090", "rtx_3090"},
      {"Quadro RTX 8000", "rtx_8000"},
      {"NVIDIA RTX A6000", "rtx_a6000"},
      {"  NVIDIA   A40  ", "a40"},
      {"NVIDIA", "gpu"},
      {"", "gpu"},
      {"-", "gpu"},
  };
  for (const auto& c : cases) EXPECT_EQ(gpu_type_of(c.name, {}), c.type) << c.name;
}

TEST(GpuTypeTest, OverridesWinExactThenIgnoringCase) {
  const std::map<std::string, std::string> map = {{"NVIDIA A40", "a40big"}, {"tesla t4", "turing"}};
  EXPECT_EQ(gpu_type_of("NVIDIA A40", map), "a40big");
  EXPECT_EQ(gpu_type_of("Tesla T4", map), "turing");
  EXPECT_EQ(gpu_type_of("NVIDIA A10", map), "a10");
}

TEST(GpuInventoryTest, NormalizesBusIds) {
  EXPECT_EQ(normalize_bus_id("00000000:00:06.0"), "00000000:00:06.0");
  EXPECT_EQ(normalize_bus_id("0:3b:0.0"), "00000000:3B:00.0");
  EXPECT_EQ(normalize_bus_id("3b:00.0"), "00000000:3B:00.0");
  EXPECT_EQ(normalize_bus_id("0001:81:00.1"), "00000001:81:00.1");
  EXPECT_EQ(normalize_bus_id("garbage"), "garbage");
  EXPECT_EQ(normalize_bus_id("0:3b:0.0x"), "0:3b:0.0x");
}

Gpu found(const char* bus, const char* type) {
  Gpu g(99, type);
  g.pci_bus_id = bus;
  return g;
}

TEST(GpuInventoryTest, OrdersByPciBusIdAndNumbersFromZero) {
  auto gpus = order_by_pci({found("0000:81:00.0", "a40"), found("0000:3b:00.0", "t4"), found("0001:01:00.0", "a10"),
                            found("0000:41:00.0", "t4")});
  ASSERT_EQ(gpus.size(), 4u);
  const char* want[] = {"00000000:3B:00.0", "00000000:41:00.0", "00000000:81:00.0", "00000001:01:00.0"};
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(gpus[i].index, i);
    EXPECT_EQ(gpus[i].pci_bus_id, want[i]);
  }
  EXPECT_EQ(gpus[2].type, "a40");
}

TEST(GpuInventoryTest, GresStrings) {
  EXPECT_EQ(gres_string({}), "gpu:0");
  EXPECT_EQ(gres_string({{0, "t4"}, {1, "t4"}, {2, "a10"}}), "gpu:t4:2,gpu:a10:1");
}

TEST(GpuInventoryTest, MismatchWordedAsSlurm) {
  const std::vector<Gpu> t4x2 = {{0, "t4"}, {1, "t4"}};
  EXPECT_EQ(inventory_mismatch(t4x2, {{0, "t4"}, {1, "t4"}}), "");
  EXPECT_EQ(inventory_mismatch({{0, "t4"}, {1, "a10"}}, {{0, "a10"}, {1, "t4"}}), "");
  EXPECT_EQ(inventory_mismatch(t4x2, {{0, "t4"}}), "gres/gpu count reported lower than configured (1 < 2)");
  EXPECT_EQ(inventory_mismatch(t4x2, {}), "gres/gpu count reported lower than configured (0 < 2)");
  EXPECT_EQ(inventory_mismatch(t4x2, {{0, "t4"}, {1, "t4"}, {2, "t4"}}),
            "gres/gpu count reported higher than configured (3 > 2)");
  EXPECT_EQ(inventory_mismatch(t4x2, {{0, "a10"}, {1, "a10"}}),
            "gres/gpu type mismatch: configured gpu:t4:2, found gpu:a10:2");
}

}  // namespace
}  // namespace sluice

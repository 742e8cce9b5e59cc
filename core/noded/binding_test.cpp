#include "core/noded/binding.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sluice {
namespace {

// A node with `n` GPUs; `bus` gives their PCI bus ids (discovered) or is empty (configured).
Node node_with(std::uint32_t n, std::vector<std::string> bus = {}, std::vector<std::uint32_t> minors = {}) {
  Node node;
  node.name = "g1";
  for (std::uint32_t i = 0; i < n; ++i) {
    Gpu g(i, "t4");
    if (i < bus.size()) g.pci_bus_id = bus[i];
    if (i < minors.size()) g.minor = minors[i];
    node.gpus.push_back(g);
  }
  return node;
}

NodeAlloc alloc_of(std::vector<std::uint32_t> gpus) {
  NodeAlloc a;
  a.node = "g1";
  a.cpus = 1;
  a.gpus = std::move(gpus);
  return a;
}

struct BindingCase {
  const char* name;
  Node node;
  std::vector<std::uint32_t> gpus;
  bool isolated;
  std::vector<std::uint32_t> want_indices;
  std::string want_cuda;
  std::vector<std::uint32_t> want_denied;
};

class Binding : public ::testing::TestWithParam<BindingCase> {};

TEST_P(Binding, Case) {
  const auto& c = GetParam();
  const GpuBinding b = gpu_binding(alloc_of(c.gpus), &c.node, c.isolated);
  EXPECT_EQ(b.indices, c.want_indices);
  EXPECT_EQ(b.cuda_visible, c.want_cuda);
  EXPECT_EQ(b.denied_minors, c.want_denied);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Binding,
    ::testing::Values(BindingCase{"no_gpus_on_a_gpu_node", node_with(2), {}, true, {}, "", {0, 1}},
                      BindingCase{
                          "configured_unisolated_keeps_indices", node_with(4), {2, 1}, false, {1, 2}, "1,2", {0, 3}},
                      BindingCase{"isolated_renumbers_from_zero", node_with(4), {3, 1}, true, {1, 3}, "0,1", {0, 2}},
                      // Discovered GPUs whose indices do not follow the bus: CUDA counts in bus order.
                      BindingCase{"pci_bus_order",
                                  node_with(3, {"00000000:81:00.0", "00000000:3B:00.0", "00000000:5E:00.0"}, {0, 1, 2}),
                                  {0},
                                  false,
                                  {0},
                                  "2",
                                  {1, 2}},
                      BindingCase{"discovered_minor_numbers_are_denied",
                                  node_with(2, {"00000000:3B:00.0", "00000000:5E:00.0"}, {4, 7}),
                                  {1},
                                  true,
                                  {1},
                                  "0",
                                  {4}},
                      BindingCase{"configured_minor_is_the_index", node_with(3), {1}, true, {1}, "0", {0, 2}}),
    [](const auto& info) { return std::string(info.param.name); });

std::vector<std::string> env_of(const JobSpec& spec, bool batch, const GpuBinding& b, bool node_has_gpus) {
  std::vector<std::string> env;
  append_gpu_environment(spec, batch, b, node_has_gpus, env);
  std::sort(env.begin(), env.end());
  return env;
}

TEST(GpuEnvironment, BatchJobWithTypedGpus) {
  JobSpec spec;
  spec.gpus = 2;
  spec.gpu_type = "a40";
  spec.cpus_per_gpu = 4;
  spec.mem_per_gpu_mb = 8192;
  const GpuBinding b = gpu_binding(alloc_of({2, 3}), nullptr, false);
  EXPECT_EQ(env_of(spec, true, b, true),
            (std::vector<std::string>{"CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=2,3",
                                      "GPU_DEVICE_ORDINAL=2,3", "SLURM_CPUS_PER_GPU=4", "SLURM_GPUS=a40:2",
                                      "SLURM_GPUS_ON_NODE=2", "SLURM_JOB_GPUS=2,3", "SLURM_MEM_PER_GPU=8192"}));
}

TEST(GpuEnvironment, SrunStepAlsoGetsStepGpus) {
  JobSpec spec;
  spec.gpus_per_node = 1;
  const GpuBinding b = gpu_binding(alloc_of({1}), nullptr, true);
  EXPECT_EQ(env_of(spec, false, b, true),
            (std::vector<std::string>{"CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=0", "GPU_DEVICE_ORDINAL=0",
                                      "SLURM_GPUS_ON_NODE=1", "SLURM_GPUS_PER_NODE=1", "SLURM_JOB_GPUS=1",
                                      "SLURM_STEP_GPUS=1"}));
}

TEST(GpuEnvironment, PerTaskRequest) {
  JobSpec spec;
  spec.gpus_per_task = 1;
  spec.gpu_type = "t4";
  const GpuBinding b = gpu_binding(alloc_of({0}), nullptr, false);
  const auto env = env_of(spec, true, b, true);
  EXPECT_NE(std::find(env.begin(), env.end(), "SLURM_GPUS_PER_TASK=t4:1"), env.end());
}

TEST(GpuEnvironment, NoGpusOnAGpuNodeHidesThemFromCuda) {
  const GpuBinding b = gpu_binding(alloc_of({}), nullptr, false);
  EXPECT_EQ(env_of(JobSpec{}, true, b, true), (std::vector<std::string>{"CUDA_VISIBLE_DEVICES="}));
}

TEST(GpuEnvironment, NoGpusOnACpuNodeSetsNothing) {
  const GpuBinding b = gpu_binding(alloc_of({}), nullptr, false);
  EXPECT_TRUE(env_of(JobSpec{}, true, b, false).empty());
}

}  // namespace
}  // namespace sluice

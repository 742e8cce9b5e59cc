// How a job step is bound to the GPUs of its allocation on this node: the device numbers CUDA
// sees, the GPU variables of Slurm's environment, and the device files the step must not open.
#pragma once

#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <vector>

namespace sluice {

struct GpuBinding {
  // The node-local GPU indices the step holds, ascending (SLURM_JOB_GPUS, SLURM_STEP_GPUS).
  std::vector<std::uint32_t> indices;
  // CUDA's device ordinals of those GPUs with CUDA_DEVICE_ORDER=PCI_BUS_ID, in PCI bus order,
  // comma-separated: with device isolation the step sees only its own GPUs, so they are 0..n-1
  // (Slurm does the same under ConstrainDevices=yes); without it, their ranks among all of the
  // node's GPUs in PCI bus order. Empty when the step holds no GPU.
  std::string cuda_visible;
  // The minor numbers (/dev/nvidia<minor>, character major 195) of the node's GPUs the step
  // does not hold: what device isolation denies.
  std::vector<std::uint32_t> denied_minors;
};

// The binding of `alloc` (this node's part of a job) on `node` (its GPU inventory; nullptr: a
// node without GPUs). `isolated`: the step runs in a cgroup that denies the other GPUs.
// A GPU's PCI bus order and minor number come from discovery (Gpu::pci_bus_id, Gpu::minor); for
// a configured GPU without them, its index stands for both (/dev/nvidia<index>).
GpuBinding gpu_binding(const NodeAlloc& alloc, const Node* node, bool isolated);

// Appends the GPU part of a step's environment to `env` ("K=V" strings), after the sbatch/srun
// man pages' OUTPUT ENVIRONMENT VARIABLES:
//   CUDA_DEVICE_ORDER=PCI_BUS_ID, CUDA_VISIBLE_DEVICES and GPU_DEVICE_ORDINAL (binding.cuda_visible),
//   SLURM_JOB_GPUS (and SLURM_STEP_GPUS for srun) = the node-local indices, SLURM_GPUS_ON_NODE,
//   SLURM_GPUS (-G), SLURM_GPUS_PER_NODE (--gpus-per-node, --gres=gpu), SLURM_GPUS_PER_TASK,
//   SLURM_CPUS_PER_GPU, SLURM_MEM_PER_GPU (MB), each only when the job asked that way.
// A step without GPUs on a node that has some gets an empty CUDA_VISIBLE_DEVICES, so CUDA
// programs see no device even where the node cannot deny them (beyond Slurm, which relies on
// cgroups alone).
void append_gpu_environment(const JobSpec& spec, bool batch, const GpuBinding& binding, bool node_has_gpus,
                            std::vector<std::string>& env);

}  // namespace sluice

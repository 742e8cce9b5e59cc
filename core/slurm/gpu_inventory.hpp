// A node's GPU inventory as NVML discovery produces it and as the controller checks it against the
// config: device names to GPU types, PCI bus order and indices, Slurm's GRES strings, and the
// mismatch that drains a node (Slurm's AutoDetect=nvml). Pure functions; the NVML calls themselves
// live in core/noded/nvml.hpp.
#pragma once
#include <map>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The GPU type of a device named `name` by NVML ("NVIDIA A40", "Tesla T4").
// `overrides` ([agent.gpu_types], device name -> type) wins: an exact match, then one that differs
// only in case. Otherwise the default rule: lower case, the brand words NVIDIA, Tesla, Quadro and
// GeForce dropped, then the first word up to a '-' ("NVIDIA A100-SXM4-80GB" -> "a100", "NVIDIA H100
// 80GB HBM3" -> "h100"); a series word (RTX, GTX, TITAN) keeps the word after it ("NVIDIA GeForce
// RTX 3090" -> "rtx_3090"). A name with nothing left gives "gpu". (Slurm names an auto-detected
// type after the whole name, "nvidia_a40"; the site's request forms use the short type.)
std::string gpu_type_of(std::string_view name, const std::map<std::string, std::string>& overrides);

// A PCI bus id in NVML's long form, upper case: "0:3b:0.0" -> "00000000:3B:00.0". Returns the
// input unchanged when it is not "[domain:]bus:device.function" in hex.
std::string normalize_bus_id(std::string_view bus_id);

// Orders discovered GPUs by PCI bus id (as CUDA_DEVICE_ORDER=PCI_BUS_ID and nvidia-smi do) and
// numbers them 0..n-1 in that order (Gpu::index). Other fields are kept.
std::vector<Gpu> order_by_pci(std::vector<Gpu> gpus);

// Slurm's GRES string of an inventory: "gpu:a10:1,gpu:t4:2" (types in first-seen order, as
// sinfo %G), "gpu:0" when there are none.
std::string gres_string(const std::vector<Gpu>& gpus);

// Why a discovered inventory does not match the configured one, worded as Slurm's slurmctld does
// when it drains such a node; empty when both have the same number of GPUs of each type (their
// order may differ). Examples:
//   "gres/gpu count reported lower than configured (1 < 2)"
//   "gres/gpu count reported higher than configured (3 > 2)"
//   "gres/gpu type mismatch: configured gpu:t4:2, found gpu:a10:2"
std::string inventory_mismatch(const std::vector<Gpu>& configured, const std::vector<Gpu>& found);

}  // namespace sluice

// Slurm's GRES and GPU request strings (--gres, -G/--gpus, --gpus-per-node).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// GRES request: "gpu:2", "gpu:a10:1", "gpu" (count 1). nullopt (with *error) on anything else,
// e.g. "foo:1" -> "Invalid generic resource (gres) specification".
struct GresRequest {
  std::string type;
  std::uint32_t count = 1;
};
std::optional<GresRequest> parse_gres(std::string_view s, std::string* error = nullptr);

// A GPU count as -G/--gpus and --gpus-per-node take it: "N" or "type:N" (the type follows
// --gres's rules). Sets `count` and, when given, `type`; returns false on anything else (both
// left untouched), for which Slurm says "Invalid generic resource (gres) specification".
bool parse_gpu_count(std::string_view arg, std::uint32_t& count, std::string& type);

}  // namespace sluice

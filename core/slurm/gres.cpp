#include "core/slurm/gres.hpp"

#include <algorithm>
#include <cctype>
#include <climits>

#include "core/util/text.hpp"

namespace sluice {
namespace {

constexpr const char* kGresError = "Invalid generic resource (gres) specification";

}  // namespace

std::optional<GresRequest> parse_gres(std::string_view s, std::string* error) {
  const auto fail = [error] {
    if (error) *error = kGresError;
    return std::nullopt;
  };
  // Types such as "a10", "tesla_v100" or the MIG profile "1g.5gb".
  const auto valid_type = [](std::string_view t) {
    const auto type_char = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; };
    return !t.empty() && std::isalnum(static_cast<unsigned char>(t[0])) && std::ranges::all_of(t, type_char);
  };
  const std::vector<std::string> f = split(s, ':', true);
  if (f[0] != "gpu" || f.size() > 3) return fail();
  // "gpu:N" or "gpu:type[:N]": a purely numeric second field is the count.
  const bool has_type = f.size() == 3 || (f.size() == 2 && !parse_uint(f[1]));
  GresRequest r;
  if (has_type) r.type = f[1];
  if (has_type && !valid_type(r.type)) return fail();
  if (f.size() == 3 || (f.size() == 2 && !has_type)) {
    const auto n = parse_uint(f.back());
    if (!n || *n == 0 || *n > UINT32_MAX) return fail();
    r.count = static_cast<std::uint32_t>(*n);
  }
  return r;
}

bool parse_gpu_count(std::string_view arg, std::uint32_t& count, std::string& type) {
  auto parts = split(arg, ':', true);
  if (parts.empty() || parts.size() > 2) return false;
  const auto v = parse_uint(parts.back());
  if (!v || *v > INT_MAX) return false;
  if (parts.size() == 2) {
    const auto g = parse_gres("gpu:" + parts[0] + ":1");  // the same type rules as --gres
    if (!g) return false;
    type = g->type;
  }
  count = static_cast<std::uint32_t>(*v);
  return true;
}

}  // namespace sluice

#include "core/slurm/hostlist.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "core/util/text.hpp"

namespace sluice {
namespace {

constexpr std::size_t kMaxHosts = 64 * 1024;  // guards against absurd expansions
constexpr std::size_t kMaxDigits = 18;        // longer numeric suffixes are not treated as numbers

std::string padded(std::uint64_t n, std::size_t width) {
  std::string s = std::to_string(n);
  return s.size() < width ? std::string(width - s.size(), '0') + s : s;
}

// The names of one bracket group's body ("01-03,07"), zero-padded to the width of each range's low end.
bool expand_ranges(std::string_view body, std::vector<std::string>& out, std::string& error) {
  for (const std::string& part : split(body, ',', true)) {
    const std::size_t dash = part.find('-');
    const std::string_view lo_str = std::string_view(part).substr(0, dash);
    const auto lo = parse_uint(lo_str);
    const auto hi = dash == std::string::npos ? lo : parse_uint(std::string_view(part).substr(dash + 1));
    if (!lo || !hi || *lo > *hi) {
      error = "bad range " + part;
      return false;
    }
    if (*hi - *lo >= kMaxHosts - out.size()) {
      error = "too many hosts";
      return false;
    }
    for (std::uint64_t k = 0; k <= *hi - *lo; ++k) out.push_back(padded(*lo + k, lo_str.size()));
  }
  return true;
}

// Expands one comma-free item such as "r[1-2]n[01-02]" (the cartesian product of its bracket groups)
// onto `out`. Brackets are known to be balanced and not nested.
bool expand_item(std::string_view item, std::vector<std::string>& out, std::string& error) {
  std::vector<std::string> names{""};
  while (!item.empty()) {
    const std::size_t open = std::min(item.find('['), item.size());
    for (std::string& name : names) name += item.substr(0, open);
    if (open == item.size()) break;
    const std::size_t close = item.find(']', open);
    std::vector<std::string> suffixes;
    if (!expand_ranges(item.substr(open + 1, close - open - 1), suffixes, error)) return false;
    if (suffixes.size() * names.size() > kMaxHosts) {
      error = "too many hosts";
      return false;
    }
    std::vector<std::string> next;
    for (const std::string& name : names) {
      for (const std::string& suffix : suffixes) next.push_back(name + suffix);
    }
    names = std::move(next);
    item.remove_prefix(close + 1);
  }
  if (out.size() + names.size() > kMaxHosts) {
    error = "too many hosts";
    return false;
  }
  std::ranges::move(names, std::back_inserter(out));
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> expand_hostlist(std::string_view expr, std::string* error) {
  std::vector<std::string> out;
  std::string err;
  std::size_t start = 0;
  bool in_brackets = false;
  // Items are separated by commas (or whitespace) outside brackets; a virtual separator ends the input.
  for (std::size_t i = 0; i <= expr.size() && err.empty(); ++i) {
    const char c = i < expr.size() ? expr[i] : ',';
    if (c == '[' || c == ']') {
      if (in_brackets == (c == '[')) err = "unbalanced brackets";
      in_brackets = c == '[';
    } else if (!in_brackets && (c == ',' || c == ' ' || c == '\t' || c == '\n')) {
      if (i > start && !expand_item(expr.substr(start, i - start), out, err)) break;
      start = i + 1;
    }
  }
  if (in_brackets && err.empty()) err = "unbalanced brackets";
  if (err.empty()) return out;
  if (error) *error = err;
  return std::nullopt;
}

std::string compress_hostlist(const std::vector<std::string>& names) {
  struct Num {
    std::uint64_t value;
    std::string digits;
  };
  struct Group {
    std::string prefix;  // the whole name when the group is not numeric
    std::vector<Num> nums;
  };
  std::vector<Group> groups;
  std::map<std::pair<std::string, bool>, std::size_t> index;  // (prefix, numeric) -> group
  std::set<std::string_view> seen;
  for (const std::string& name : names) {
    if (name.empty() || !seen.insert(name).second) continue;
    const std::size_t cut = name.find_last_not_of("0123456789") + 1;  // npos + 1 == 0: all digits
    const auto value = name.size() - cut <= kMaxDigits ? parse_uint(std::string_view(name).substr(cut)) : std::nullopt;
    const std::string prefix = value ? name.substr(0, cut) : name;
    const auto [it, added] = index.try_emplace({prefix, value.has_value()}, groups.size());
    if (added) groups.push_back({prefix, {}});
    if (value) groups[it->second].nums.push_back({*value, name.substr(cut)});
  }

  std::vector<std::string> parts;
  for (Group& g : groups) {
    if (g.nums.size() <= 1) {
      parts.push_back(g.prefix + (g.nums.empty() ? "" : g.nums[0].digits));
      continue;
    }
    std::ranges::sort(g.nums, {}, [](const Num& n) { return std::pair(n.value, n.digits.size()); });
    // Greedy runs of consecutive numbers; a name joins a run when the run's width prints it exactly,
    // so "n1" and "n01" never share a range while "n09" and "n10" do.
    struct Range {
      std::uint64_t lo, hi;
      std::size_t width;
    };
    std::vector<Range> ranges;
    std::multimap<std::uint64_t, std::size_t> open;  // next value of a run -> its index
    for (const Num& n : g.nums) {
      const auto [b, e] = open.equal_range(n.value);
      const auto it =
          std::find_if(b, e, [&](const auto& kv) { return padded(n.value, ranges[kv.second].width) == n.digits; });
      const std::size_t r = it == e ? ranges.size() : it->second;
      if (it == e) {
        ranges.push_back({n.value, n.value, n.digits.size()});
      } else {
        ranges[r].hi = n.value;
        open.erase(it);
      }
      open.emplace(n.value + 1, r);
    }
    std::vector<std::string> items;
    for (const Range& r : ranges) {
      items.push_back(padded(r.lo, r.width) + (r.lo == r.hi ? "" : "-" + padded(r.hi, r.width)));
    }
    parts.push_back(g.prefix + "[" + join(items, ",") + "]");
  }
  return join(parts, ",");
}

}  // namespace sluice

#include "cli/format.hpp"

#include <algorithm>

#include "core/util/text.hpp"

namespace sluice::cli {

// ---- Layout ---------------------------------------------------------------------------------------

std::string pad(std::string_view s, int width, bool right, bool cut) {
  std::string out(s);
  if (width <= 0) return out;
  const auto w = static_cast<std::size_t>(width);
  if (cut && out.size() > w) out.resize(w);
  if (out.size() < w) out = right ? std::string(w - out.size(), ' ') + out : out + std::string(w - out.size(), ' ');
  return out;
}

// Column titles by %-letter.
const char* title_of(std::span<const FieldName> titles, char code) {
  const auto it = std::ranges::find(titles, code, &FieldName::code);
  return it == titles.end() ? nullptr : it->name;
}

// ---- Format engine --------------------------------------------------------------------------------

namespace {

// The decimal width at `i` ("20" of "%.20i"), 0 when none; `i` moves past it.
int parse_width(std::string_view s, std::size_t& i) {
  int width = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') width = std::min(kMaxFieldWidth, width * 10 + (s[i++] - '0'));
  return width;
}

}  // namespace

Format parse_format(std::string_view spec) {
  Format f;
  const std::size_t first = spec.find('%');
  f.prefix = std::string(spec.substr(0, first));
  if (first == std::string_view::npos) return f;
  for (const std::string& token : split(spec.substr(first), '%')) {
    Field fd;
    std::size_t i = 0;
    if (token[i] == '.') fd.right = true, ++i;
    fd.width = parse_width(token, i);
    fd.code = i < token.size() ? token[i++] : 0;
    fd.suffix = token.substr(i);
    fd.token = "%" + token;
    f.fields.push_back(std::move(fd));
  }
  return f;
}

Format parse_long_format(std::string_view spec, std::span<const FieldName> names, std::vector<std::string>* unknown) {
  Format f;
  for (const std::string& item : split(spec, ',')) {
    Field fd;
    std::string name = item;
    if (const std::size_t colon = item.find(':'); colon != std::string::npos) {
      name = item.substr(0, colon);
      std::size_t i = colon + 1;
      if (i < item.size() && item[i] == '.') fd.right = true, ++i;
      fd.width = parse_width(item, i);
      fd.suffix = item.substr(i);
    } else {
      fd.width = 20;
    }
    const std::string lname = to_lower(name);
    const auto it = std::ranges::find_if(names, [&](const FieldName& n) { return to_lower(n.name) == lname; });
    if (it == names.end()) {
      unknown->push_back(name);
      continue;
    }
    fd.code = it->code;
    f.fields.push_back(std::move(fd));
  }
  return f;
}

}  // namespace sluice::cli

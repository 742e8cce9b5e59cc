#include "core/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace sluice {
namespace {

constexpr std::string_view kSpace = " \t\n\r\f\v";
constexpr const char* kGresError = "Invalid generic resource (gres) specification";

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Shell-style word splitting (no comments).
std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started (possibly empty, as in "")
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (is_space(c)) {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const std::size_t end = std::min(line.find('\'', i + 1), line.size());
      word += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        // POSIX: inside "..." a backslash only escapes $ ` " \ and newline.
        if (line[i] == '\\' && i + 1 < line.size() && std::string_view("$`\"\\\n").contains(line[i + 1])) {
          if (line[++i] != '\n') word += line[i];
        } else {
          word += line[i];
        }
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      if (line[++i] != '\n') word += line[i];  // backslash-newline is a line continuation
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::vector<std::string> split(std::string_view s, char sep, bool keep_empty) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t pos = s.find(sep);
    const std::string_view part = s.substr(0, pos);
    if (keep_empty || !part.empty()) parts.emplace_back(part);
    if (pos == std::string_view::npos) return parts;
    s.remove_prefix(pos + 1);
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t cp = 0, min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    // The length of the UTF-8 sequence starting here, 0 when it is not one.
    std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size() || !valid_utf8(s.substr(i, len))) len = 0;
    if (len == 1 && b >= 0x20 && b != 0x7F && b != '\\') {
      out += s[i];
    } else if (len > 1) {
      out += s.substr(i, len);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      len = 1;
    }
    i += len;
  }
  return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_mem_mb(std::string_view s) {
  const std::size_t digits = std::min(s.find_first_not_of("0123456789"), s.size());
  const auto n = parse_uint(s.substr(0, digits));
  if (!n) return std::nullopt;
  std::string unit = to_lower(s.substr(digits));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  if (unit.empty() || unit == "m") return n;
  if (unit == "k") return *n / 1024 + (*n % 1024 != 0);  // rounded up, as Slurm does
  const std::uint64_t mult = unit == "g" ? 1024 : unit == "t" ? 1024 * 1024 : 0;
  std::uint64_t mb = 0;
  if (mult == 0 || __builtin_mul_overflow(*n, mult, &mb)) return std::nullopt;
  return mb;
}

std::string format_mem_mb(std::uint64_t mb) {
  if (mb != 0 && mb % (1024 * 1024) == 0) return std::to_string(mb / (1024 * 1024)) + "T";
  if (mb != 0 && mb % 1024 == 0) return std::to_string(mb / 1024) + "G";
  return std::to_string(mb) + "M";
}

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

std::vector<std::string> shell_split(std::string_view line) { return split_words(line); }

namespace {

// One word of a directive line from `pos` on (Slurm's get_argument); nullopt at the end of the
// line or at a comment. Sets *error for an open quote or a word starting with ':'.
std::optional<std::string> directive_word(std::string_view line, std::size_t& pos, std::size_t lineno,
                                          std::string* error) {
  const std::string_view rest = line.substr(pos);
  while (pos < line.size() && is_space(line[pos])) ++pos;
  if (pos == line.size() || line[pos] == '#') return std::nullopt;
  const auto fail = [&](const std::string& what) {
    *error = "line " + std::to_string(lineno) + ": " + what + " in [" + std::string(rest) + "]";
    return std::nullopt;
  };
  if (line[pos] == ':') return fail("Unexpected `:`");
  std::string word;
  char quote = 0;
  for (; pos < line.size() && (quote || !is_space(line[pos])); ++pos) {
    const char c = line[pos];
    if (c == '\\') {
      if (pos + 1 < line.size()) word += line[++pos];
    } else if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '"' || c == '\'')) {
      quote = c;
    } else if (!quote && c == '#') {
      break;  // the rest of the line is a comment
    } else {
      word += c;
    }
  }
  if (quote) return fail(std::string("Unmatched `") + quote + "`");
  return word;
}

}  // namespace

Directives sbatch_directives(std::string_view script) {
  constexpr std::string_view kMagic = "#SBATCH";
  Directives out;
  std::size_t lineno = 0;
  for (const std::string& line : split(script, '\n', true)) {
    ++lineno;
    if (!line.starts_with(kMagic)) {
      const std::size_t first = line.find_first_not_of(kSpace);
      if (first != std::string::npos && line[first] != '#') break;  // the first command ends the block
      continue;
    }
    std::size_t pos = kMagic.size();
    while (auto word = directive_word(line, pos, lineno, &out.error)) out.words.push_back(std::move(*word));
    if (!out.error.empty()) break;
  }
  return out;
}

std::string expand_output_pattern(std::string_view pattern, const PatternVars& v) {
  constexpr std::size_t kMaxWidth = 10;  // Slurm caps the zero-padding width
  const auto padded = [](std::uint64_t n, std::size_t width) {
    std::string s = std::to_string(n);
    return s.size() < width ? std::string(width - s.size(), '0') + s : s;
  };
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    const std::size_t spec = pattern.find_first_not_of("0123456789", i + 1);
    if (spec == std::string_view::npos) {  // a trailing "%" or "%5" stays as written
      out += pattern.substr(i);
      break;
    }
    const std::size_t width = std::min(parse_uint(pattern.substr(i + 1, spec - i - 1)).value_or(0), kMaxWidth);
    switch (pattern[spec]) {
      case '%': out += '%'; break;
      case 'j':
      case 'A': out += padded(v.job_id, width); break;
      case 'n':
      case 't': out += padded(0, width); break;
      case 'a': out += padded(4294967294U, width); break;
      case 'x': out += v.job_name; break;
      case 'u': out += v.user; break;
      case 'N': out += v.node; break;
      default: out += pattern.substr(i, spec - i + 1);  // unknown escape: left as written
    }
    i = spec;
  }
  if (out.starts_with('/') || v.workdir.empty()) return out;
  return v.workdir + (v.workdir.ends_with('/') ? "" : "/") + out;
}

}  // namespace sluice

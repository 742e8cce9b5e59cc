#include "core/slurm/directives.hpp"

#include <optional>

#include "core/util/text.hpp"

namespace sluice {
namespace {

constexpr std::string_view kSpace = " \t\n\r\f\v";

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

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

}  // namespace sluice

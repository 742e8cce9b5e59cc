// Internal to core/config (other code includes config.hpp): reading a config file into one TOML
// document, the files it names with `include` merged under it (see config.hpp).
#pragma once
#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/diagnostics.hpp"

namespace sluice::config_reader {

// Reads a whole file; false with the reason in `why`.
bool read_text(const std::string& path, std::string& text, std::string& why);

// Parses a file and the files it includes into one document. TOML syntax errors are fatal (kept
// in `syntax_errors`); a client reads past one that lies outside its tables. Other problems go to
// the diagnostics.
class DocumentReader {
 public:
  DocumentReader(Diagnostics& diag, bool client) : diag_(diag), client_(client) {}

  // `text`, read from the file `name` (the name messages give it; includes are relative to it).
  std::optional<toml::table> read(const std::string& text, const std::string& name);

  const std::vector<std::string>& syntax_errors() const { return syntax_; }

 private:
  // The entries of `include` (a string or an array of them), each with its path in messages.
  std::vector<std::pair<const toml::node*, std::string>> include_entries(const toml::node& include);
  std::optional<toml::table> parse(const std::string& text, const std::string& name);

  Diagnostics& diag_;
  bool client_;
  std::vector<std::filesystem::path> open_;  // the chain of files being read, to refuse cycles
  std::vector<std::string> syntax_;
};

}  // namespace sluice::config_reader

#include <cstdio>

#include "cli/commands.hpp"

namespace sluice::cli {

void error(const char* prog, const std::string& msg) { std::fprintf(stderr, "%s: error: %s\n", prog, msg.c_str()); }

}  // namespace sluice::cli

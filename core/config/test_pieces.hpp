// Smallest valid pieces of a config file, shared by the config tests for cases about other
// sections.
#pragma once
#include <string>

namespace sluice::config_test {

inline const std::string kNode = "[[nodes]]\nnames = \"n1\"\ncpus = 1\nmemory = 1\n";  // 4 lines
inline const std::string kPartition = "[[partitions]]\nname = \"p\"\n";                // 2 lines
inline const std::string kMinimal = kNode + kPartition;

}  // namespace sluice::config_test

// Small network helpers.
#pragma once
#include <string>

namespace sluice {

// The local IPv4 address of the route toward a tcp://host:port endpoint (what peers there can
// reach us at); "127.0.0.1" for ipc:// endpoints or when it cannot be determined.
std::string local_address_toward(const std::string& endpoint);

}  // namespace sluice

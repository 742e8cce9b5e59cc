// The one wrapper around every call into a plugin, in both daemons: the call is timed (calls
// slower than kSlowPluginCallUs are logged with what they were), an exception never escapes (it
// becomes Status::error("<what> threw: ...")), and an error names the plugin it came from.
#pragma once
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <sluice/plugin.hpp>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr long kSlowPluginCallUs = 10000;

// Calls `f` (returning Status) as `what` ("select.select") of `plugin`, whose name() is read only
// after the call (an isolated plugin's name may be re-read from its restarted host meanwhile).
template <class F>
Status guarded_call(const Plugin& plugin, const char* what, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  Status st;
  try {
    st = f();
  } catch (const std::exception& e) {
    st = Status::error(std::string(what) + " threw: " + e.what());
  } catch (...) {
    st = Status::error(std::string(what) + " threw");
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  if (us > kSlowPluginCallUs) spdlog::warn("slow plugin call: {} took {} us", what, us);
  if (st.code == Code::Error) {
    st.message = std::string(plugin.name()) + ": " + st.message;
    spdlog::debug("plugin fault: {}: {}", what, st.message);
  }
  return st;
}

}  // namespace sluice

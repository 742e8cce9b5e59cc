// SLUICE_PLUGIN(Class): exports a plugin's ABI string and factory from a shared library.
// The factory never throws: an exception becomes a null result plus a message.
#pragma once
#include <boost/config.hpp>
#include <boost/dll/alias.hpp>
#include <exception>
#include <sluice/plugin.hpp>
#include <string>

namespace sluice::detail {
using FactoryFn = Plugin* (*)(std::string* error) noexcept;
using AbiFn = const char* (*)() noexcept;
}  // namespace sluice::detail

#define SLUICE_PLUGIN(Class)                                             \
  namespace {                                                            \
  const char* sluice_plugin_abi() noexcept { return ::sluice::kSdkAbi; } \
  ::sluice::Plugin* sluice_plugin_create(std::string* error) noexcept {  \
    try {                                                                \
      return new Class();                                                \
    } catch (const std::exception& e) {                                  \
      if (error) *error = e.what();                                      \
    } catch (...) {                                                      \
      if (error) *error = "unknown exception";                           \
    }                                                                    \
    return nullptr;                                                      \
  }                                                                      \
  }                                                                      \
  BOOST_DLL_ALIAS(sluice_plugin_abi, sluice_abi)                         \
  BOOST_DLL_ALIAS(sluice_plugin_create, sluice_create)

#include "core/plugin/loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <sluice/export.hpp>
#include <sluice/launch.hpp>
#include <sluice/partition.hpp>
#include <sluice/preempt.hpp>
#include <sluice/requeue.hpp>
#include <sluice/select.hpp>

#include "core/config/config.hpp"
#include "core/plugin/points.hpp"

namespace sluice {

namespace fs = std::filesystem;

#ifndef SLUICE_PLUGIN_BUILD_DIR
#define SLUICE_PLUGIN_BUILD_DIR ""
#endif

bool implements(const Plugin& plugin, const std::string& point) {
  const ExtensionPoint* ep = extension_point(point);
  return ep && ep->implements(plugin);
}

Context make_context(const std::string& plugin_name, const std::string& config_file) {
  Context ctx;
  ctx.name = plugin_name;
  ctx.config_file = config_file;
  ctx.now = [] { return static_cast<Time>(::time(nullptr)); };
  ctx.log = [logger = "plugin." + plugin_name](LogLevel lvl, std::string_view msg) {
    static constexpr spdlog::level::level_enum k[] = {spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                                                      spdlog::level::err};
    spdlog::log(k[static_cast<int>(lvl)], "{}: {}", logger, msg);
  };
  return ctx;
}

std::vector<std::string> plugin_search_dirs(const Config& cfg) {
  std::vector<std::string> dirs = cfg.controller.plugin_dirs;
  if (const char* env = std::getenv("SLUICE_PLUGIN_DIR"); env && *env) dirs.insert(dirs.begin(), env);
  // Next to the binary: <prefix>/bin/sluicectld -> <prefix>/lib/sluice/plugins and <build>/plugins.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back((exe.parent_path().parent_path() / "lib/sluice/plugins").string());
    dirs.push_back((exe.parent_path().parent_path() / "plugins").string());
  }
  if (*SLUICE_PLUGIN_BUILD_DIR) dirs.push_back(SLUICE_PLUGIN_BUILD_DIR);
  return dirs;
}

namespace {

std::string find_library(const Config& cfg, const std::string& lib) {
  if (lib.find('/') != std::string::npos) return lib;
  for (const auto& d : plugin_search_dirs(cfg)) {
    fs::path p = fs::path(d) / ("lib" + lib + ".so");
    if (fs::exists(p)) return p.string();
  }
  return {};
}

// A root-run controller loads only what root alone can change. A root-owned directory with the sticky bit (like /tmp)
// is safe: others may add entries to it but cannot rename or replace root's.
std::string unsafe_permissions(const std::string& path) {
  if (geteuid() != 0) return {};
  const fs::path file = fs::absolute(path);
  for (fs::path p = file;; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      const bool sticky_dir = p != file && (st.st_mode & S_ISVTX);
      if (st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir))
        return p.string() + " is writable by someone other than root";
    }
    if (p == p.root_path()) break;
  }
  return {};
}

// A private copy of the library, so that the file can be replaced while it is loaded (copying a
// rebuilt .so over a mapped one corrupts the running code) and a reload under the same name loads
// the new code (dlopen returns a library already loaded under the same name as it is, and C++
// libraries with unique symbols are never really unloaded). The copy gets a name never used
// before (a fresh mkdtemp directory) in $TMPDIR or /tmp, readable only by us; the caller loads it
// and then removes it (the mapping keeps the code). Empty when no copy could be made.
std::string private_copy(const std::string& path) {
  std::string dir = (fs::temp_directory_path() / "sluice-plugin.XXXXXX").string();
  if (!::mkdtemp(dir.data())) return {};
  const std::string copy = dir + "/" + fs::path(path).filename().string();
  std::error_code ec;
  fs::copy_file(path, copy, ec);
  if (ec) {
    fs::remove_all(dir, ec);
    return {};
  }
  return copy;
}

void remove_copy(const std::string& copy) {
  std::error_code ec;
  if (!copy.empty()) fs::remove_all(fs::path(copy).parent_path(), ec);
}

// `text` with every mention of `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
    text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

std::unique_ptr<LoadedPlugin> load_plugin(const Config& cfg, const PluginConfig& pc, std::vector<std::string>& errors) {
  const std::string where = "plugins." + pc.point;
  std::string path = find_library(cfg, pc.library);
  if (path.empty() || !fs::exists(path)) {
    errors.push_back(where + ": plugin library not found: " + (path.empty() ? "lib" + pc.library + ".so" : path));
    return nullptr;
  }
  if (auto why = unsafe_permissions(path); !why.empty()) {
    errors.push_back(where + ": refusing " + path + ": " + why);
    return nullptr;
  }
  auto lp = std::make_unique<LoadedPlugin>();
  lp->path = path;
  constexpr auto kMode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;
  const std::string copy = private_copy(path);
  std::error_code ec;
  if (!copy.empty()) lp->lib.load(copy, kMode, ec);
  remove_copy(copy);
  if (copy.empty() || ec) {  // no copy, or one that cannot be mapped (a noexec temporary directory)
    ec.clear();
    lp->lib.load(path, kMode, ec);
  }
  const char* dl = ec ? dlerror() : nullptr;
  const std::string why = ec ? replace_all(dl ? dl : ec.message(), copy, path) : "";
  if (ec) {
    errors.push_back(where + ": cannot load " + path + ": " + why);
    return nullptr;
  }
  for (const char* sym : {"sluice_abi", "sluice_create"}) {
    if (!lp->lib.has(sym)) {
      errors.push_back(where + ": " + path + ": missing symbol " + sym);
      return nullptr;
    }
  }
  const char* abi = lp->lib.get_alias<const char*()>("sluice_abi")();
  if (std::string(abi) != kSdkAbi) {
    errors.push_back(std::string("ABI mismatch: got ") + abi + ", expected " + kSdkAbi + " (" + path + ")");
    return nullptr;
  }
  std::string err;
  lp->object.reset(lp->lib.get_alias<Plugin*(std::string*)>("sluice_create")(&err));
  if (!lp->object) {
    errors.push_back(where + ": " + path + ": factory failed: " + (err.empty() ? "returned null" : err));
    return nullptr;
  }
  // The interface first: a library configured for the wrong point is named as such, before its
  // options are read against an interface it does not have.
  if (const ExtensionPoint* ep = extension_point(pc.point); !ep || !ep->implements(*lp->object)) {
    errors.push_back(where + ": " + path + " is not a " + pc.point + " plugin");
    return nullptr;
  }
  Context ctx = make_context(std::string(lp->object->name()), pc.file);
  std::vector<ConfigError> cerrs;
  bool ok = false;
  try {
    ok = lp->object->configure(ctx, *pc.options, pc.options_path, cerrs);
  } catch (const std::exception& e) {
    cerrs.push_back({pc.options_path, 0, 0, std::string("configure threw: ") + e.what()});
  }
  for (const auto& e : cerrs)
    errors.push_back(pc.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.path + ": " +
                     e.why);
  if (!ok || !cerrs.empty()) {
    if (cerrs.empty()) errors.push_back(where + ": " + path + ": options rejected");
    return nullptr;
  }
  spdlog::info("plugin loaded: point={} name={} path={}", pc.point, ctx.name, path);
  return lp;
}

}  // namespace sluice

#include "core/plugin/loader.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <sluice/export.hpp>
#include <sluice/launch.hpp>
#include <sluice/partition.hpp>
#include <sluice/preempt.hpp>
#include <sluice/requeue.hpp>
#include <sluice/select.hpp>

#include "core/config/config.hpp"

namespace sluice {

namespace fs = std::filesystem;

#ifndef SLUICE_PLUGIN_BUILD_DIR
#define SLUICE_PLUGIN_BUILD_DIR ""
#endif

bool implements(const Plugin& plugin, const std::string& point) {
  if (point == PartitionPolicy::kPoint) return dynamic_cast<const PartitionPolicy*>(&plugin);
  if (point == SelectPolicy::kPoint) return dynamic_cast<const SelectPolicy*>(&plugin);
  if (point == PreemptPolicy::kPoint) return dynamic_cast<const PreemptPolicy*>(&plugin);
  if (point == RequeuePolicy::kPoint) return dynamic_cast<const RequeuePolicy*>(&plugin);
  if (point == LaunchPolicy::kPoint) return dynamic_cast<const LaunchPolicy*>(&plugin);
  return false;
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
  std::error_code ec;
  lp->lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* dl = dlerror();
    errors.push_back(where + ": cannot load " + path + ": " + (dl ? dl : ec.message()));
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
  Context ctx = make_context(std::string(lp->object->name()), cfg.file);
  std::vector<ConfigError> cerrs;
  bool ok = false;
  try {
    ok = lp->object->configure(ctx, *pc.options, pc.options_path, cerrs);
  } catch (const std::exception& e) {
    cerrs.push_back({pc.options_path, 0, 0, std::string("configure threw: ") + e.what()});
  }
  for (const auto& e : cerrs)
    errors.push_back(cfg.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.path + ": " +
                     e.why);
  if (!ok || !cerrs.empty()) {
    if (cerrs.empty()) errors.push_back(where + ": " + path + ": options rejected");
    return nullptr;
  }
  spdlog::info("plugin loaded: point={} name={} path={}", pc.point, ctx.name, path);
  return lp;
}

}  // namespace sluice

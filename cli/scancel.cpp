// scancel [options] [job_id...]
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/rpc.hpp"
#include "core/users/users.hpp"
#include "core/util/text.hpp"

namespace sluice::cli {

namespace {

std::optional<int> parse_signal(std::string s) {
  if (auto n = parse_uint(s); n && *n > 0 && *n < NSIG) return static_cast<int>(*n);
  for (auto& c : s) c = static_cast<char>(toupper(c));
  if (starts_with(s, "SIG")) s = s.substr(3);
  for (int i = 1; i < NSIG; ++i) {
    const char* abbrev = sigabbrev_np(i);
    if (abbrev && s == abbrev) return i;
  }
  return std::nullopt;
}

}  // namespace

int scancel(int argc, char** argv) {
  const char* prog = "scancel";
  static const option opts[] = {{"user", required_argument, nullptr, 'u'},
                                {"name", required_argument, nullptr, 'n'},
                                {"partition", required_argument, nullptr, 'p'},
                                {"state", required_argument, nullptr, 't'},
                                {"signal", required_argument, nullptr, 's'},
                                {"verbose", no_argument, nullptr, 'v'},
                                {"quiet", no_argument, nullptr, 'Q'},
                                {"me", no_argument, nullptr, 'm'},
                                {"full", no_argument, nullptr, 'f'},
                                {"batch", no_argument, nullptr, 'b'},
                                {"help", no_argument, nullptr, 'h'},
                                {"version", no_argument, nullptr, 'V'},
                                {nullptr, 0, nullptr, 0}};
  Json body = Json::object();
  bool verbose = false, me = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "u:n:p:t:s:vQfbhV", opts, nullptr)) != -1) {
    switch (c) {
      case 'u': body["user"] = optarg; break;
      case 'n': body["name"] = optarg; break;
      case 'p': body["partition"] = optarg; break;
      case 't': body["states"] = split(optarg, ','); break;
      case 's': {
        auto s = parse_signal(optarg);
        if (!s) {
          error(prog, std::string("Invalid job signal: ") + optarg);
          return 1;
        }
        body["signal"] = *s;
        break;
      }
      case 'v': verbose = true; break;
      case 'm': me = true; break;
      case 'f': body["full"] = true; break;
      case 'b': body["batch"] = true; break;
      case 'Q': break;
      case 'h': std::printf("Usage: scancel [OPTIONS] [job_id...]\n"); return 0;
      case 'V': std::printf("sluice %s\n", SLUICE_VERSION); return 0;
      default: std::fprintf(stderr, "Try \"scancel --help\" for more information\n"); return 1;
    }
  }
  std::vector<std::uint64_t> ids;
  for (int i = optind; i < argc; ++i) {
    std::string a = argv[i];
    auto id = parse_uint(a.substr(0, a.find('.')));
    if (!id || *id == 0) {
      error(prog, "Invalid job id " + a);
      return 1;
    }
    ids.push_back(*id);
  }
  if (me) body["user"] = user_name_of(getuid()).value_or(std::to_string(getuid()));
  if (ids.empty() && body.empty()) {
    error(prog, "No job identification provided");
    return 1;
  }
  // The controller keeps names as UTF-8: a name that is not matches no user and no job.
  if (body.contains("user") && !valid_utf8(body["user"].get_ref<const std::string&>())) {
    error(prog, "Invalid user name: " + printable(body["user"].get_ref<const std::string&>()));
    return 1;
  }
  for (const char* filter : {"name", "partition"})
    if (body.contains(filter) && !valid_utf8(body[filter].get_ref<const std::string&>())) return 0;
  if (body.contains("states"))
    for (const auto& s : body["states"])
      if (!valid_utf8(s.get_ref<const std::string&>())) return 0;
  auto rpc = Rpc::open(prog);
  if (!rpc) return kExitError;
  body["ids"] = ids;
  auto r = rpc->call_or_error(Cancel::kType, body);
  if (!r) return 1;
  int rc = 0;
  for (const auto& res : (*r)["results"]) {
    const auto id = res.at("id").get<std::uint64_t>();
    if (verbose) std::fprintf(stderr, "scancel: Terminating job %llu\n", static_cast<unsigned long long>(id));
    if (!res.contains("error")) continue;
    const std::string err = res["error"];
    // As Slurm: an unknown or finished job is only worth a word under -v.
    const bool quiet_error = err == "Invalid job id specified" || err == "Job/step already completing or completed";
    if (verbose || !quiet_error) error(prog, "Kill job error on job id " + std::to_string(id) + ": " + err);
    if (!quiet_error) rc = 1;
  }
  return rc;
}

}  // namespace sluice::cli

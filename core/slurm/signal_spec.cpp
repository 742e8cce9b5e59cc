#include "core/slurm/signal_spec.hpp"

#include <signal.h>

#include <array>
#include <utility>

#include "core/util/text.hpp"

namespace sluice {
namespace {

// Slurm's table of signal names (src/common/proc_args.c), in its order.
constexpr std::array<std::pair<std::string_view, int>, 16> kSignals = {{
    {"HUP", SIGHUP},
    {"INT", SIGINT},
    {"QUIT", SIGQUIT},
    {"ABRT", SIGABRT},
    {"KILL", SIGKILL},
    {"ALRM", SIGALRM},
    {"TERM", SIGTERM},
    {"USR1", SIGUSR1},
    {"USR2", SIGUSR2},
    {"URG", SIGURG},
    {"CONT", SIGCONT},
    {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},
    {"XCPU", SIGXCPU},
}};

constexpr int kMaxSignal = 64;             // SIGRTMAX on Linux
constexpr Time kMaxSignalSeconds = 65535;  // Slurm keeps the warning time in 16 bits

}  // namespace

int signal_number(std::string_view name) {
  if (!name.empty() && name.front() >= '0' && name.front() <= '9') {
    const auto n = parse_uint(name);
    return n && *n >= 1 && *n <= kMaxSignal ? static_cast<int>(*n) : 0;
  }
  std::string upper(name);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  std::string_view bare = upper;
  if (bare.starts_with("SIG")) bare.remove_prefix(3);
  for (const auto& [n, number] : kSignals)
    if (bare == n) return number;
  return 0;
}

std::string signal_name(int number) {
  for (const auto& [n, num] : kSignals)
    if (num == number) return std::string(n);
  return std::to_string(number);
}

std::optional<SignalSpec> parse_signal_spec(std::string_view s, bool batch) {
  SignalSpec out;
  // "[{R|B|RB|BR}:]": letters up to a ':' within the first three characters.
  if (const auto colon = s.find(':'); colon != std::string_view::npos) {
    const std::string prefix = to_lower(s.substr(0, colon));
    if (prefix == "b" || prefix == "rb" || prefix == "br") {
      if (!batch) return std::nullopt;  // srun has no batch shell: Slurm reads "B:" from sbatch only
      out.batch_only = true;
    } else if (prefix != "r") {
      return std::nullopt;
    }
    s.remove_prefix(colon + 1);
  }
  const auto at = s.find('@');
  out.number = signal_number(s.substr(0, at));
  if (out.number == 0) return std::nullopt;
  out.seconds = kDefaultSignalSeconds;
  if (at != std::string_view::npos) {
    const auto secs = parse_uint(s.substr(at + 1));
    if (!secs || *secs > static_cast<std::uint64_t>(kMaxSignalSeconds)) return std::nullopt;
    out.seconds = static_cast<Time>(*secs);
  }
  return out;
}

std::string signal_spec_string(const SignalSpec& sig) {
  if (sig.number == 0) return "";
  std::string out = sig.batch_only ? "B:" : "";
  out += signal_name(sig.number);
  if (sig.seconds != kDefaultSignalSeconds) out += "@" + std::to_string(sig.seconds);
  return out;
}

}  // namespace sluice

// Slurm's --signal=[{R|B}:]SIG[@SECONDS] (sbatch(1), srun(1)): the signal a job gets before its
// time limit. Pure functions of text.
#pragma once
#include <optional>
#include <sluice/model.hpp>
#include <string>
#include <string_view>

namespace sluice {

// Slurm's default warning time when "@SECONDS" is left out, in seconds.
inline constexpr Time kDefaultSignalSeconds = 60;

// The signal number for a name as Slurm's sig_name2num reads it: one of HUP INT QUIT ABRT KILL
// ALRM TERM USR1 USR2 URG CONT STOP TSTP TTIN TTOU XCPU, with or without "SIG", in any case
// ("usr1", "SIGUSR1", "SigTerm"), or a decimal number 1..64 (Linux's signals, SIGRTMAX included).
// 0 for anything else (an unknown name, 0, 65, a sign, white space, an empty string).
int signal_number(std::string_view name);

// Slurm's name of signal `number` as --signal prints it: "USR1" for the names above, else the
// number in decimal ("34").
std::string signal_name(int number);

// --signal's argument, as sbatch (batch = true) or srun (batch = false) reads it:
//   SIG            the signal (signal_number's forms), 60 seconds before the time limit
//   SIG@SECONDS    SECONDS (decimal digits only, 0..65535) before the time limit
//   B:SIG[@...]    sbatch only: the batch shell alone gets it, not the rest of the job
//   R:SIG[@...]    accepted as Slurm does (no job may overlap a reservation's end: Sluice has no
//                  reservations, so "R" changes nothing); "RB:" and "BR:" combine both
// The prefix letters may be in either case; the ':' after them is required. Returns the signal
// (number, seconds, batch_only), or nullopt for anything else: an unknown signal, "B:" from srun,
// "@" without seconds, seconds out of range or followed by anything, an empty string. The caller
// prints Slurm's "Invalid --signal specification".
// Stricter than Slurm's parser in three corners, which it accepts: "USR1@" (as 0 seconds), a
// prefix letter without its ':' ("BUSR1"), and numbers above 64 (which it truncates to 16 bits).
std::optional<SignalSpec> parse_signal_spec(std::string_view s, bool batch);

// The form Slurm prints a --signal in (signal_opts_to_cmdline): "B:USR1@30", "USR1" (the 60 s
// default is left out); empty for number 0 (no signal asked).
std::string signal_spec_string(const SignalSpec& sig);

}  // namespace sluice

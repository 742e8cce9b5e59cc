#include "core/slurm/signal_spec.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "tests/support/case_name.hpp"

namespace sluice {
namespace {

struct SignalCase {
  const char* name;
  const char* in;
  bool batch;  // sbatch (true) or srun (false)
  std::optional<SignalSpec> want;
};

SignalSpec sig(int number, Time seconds, bool batch_only = false) { return {number, seconds, batch_only}; }

class ParseSignalSpec : public testing::TestWithParam<SignalCase> {};

TEST_P(ParseSignalSpec, Parses) { EXPECT_EQ(parse_signal_spec(GetParam().in, GetParam().batch), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(Cases, ParseSignalSpec,
                         testing::ValuesIn(std::vector<SignalCase>{
                             // The signal: a name with or without SIG, in any case, or a number.
                             {"NameDefaultsTo60s", "USR1", true, sig(SIGUSR1, 60)},
                             {"NameWithSig", "SIGUSR1", true, sig(SIGUSR1, 60)},
                             {"LowerCase", "usr2", true, sig(SIGUSR2, 60)},
                             {"MixedCaseWithSig", "SigTerm", true, sig(SIGTERM, 60)},
                             {"Number", "10", true, sig(10, 60)},
                             {"NumberOne", "1", true, sig(SIGHUP, 60)},
                             {"NumberRealtimeMax", "64", true, sig(64, 60)},
                             {"NumberLeadingZero", "010", true, sig(10, 60)},
                             {"EveryNameOfSlurmsTable", "XCPU", true, sig(SIGXCPU, 60)},
                             {"Kill", "KILL@5", true, sig(SIGKILL, 5)},
                             // The time.
                             {"Seconds", "USR1@3", true, sig(SIGUSR1, 3)},
                             {"ZeroSeconds", "USR1@0", true, sig(SIGUSR1, 0)},
                             {"MaxSeconds", "USR1@65535", true, sig(SIGUSR1, 65535)},
                             {"NumberAndSeconds", "12@120", true, sig(SIGUSR2, 120)},
                             // The prefixes.
                             {"BatchOnly", "B:USR1@3", true, sig(SIGUSR1, 3, true)},
                             {"BatchOnlyLower", "b:usr1", true, sig(SIGUSR1, 60, true)},
                             {"Reservation", "R:USR1@30", true, sig(SIGUSR1, 30)},
                             {"ReservationFromSrun", "R:USR1", false, sig(SIGUSR1, 60)},
                             {"ReservationAndBatch", "RB:TERM@10", true, sig(SIGTERM, 10, true)},
                             {"BatchAndReservation", "br:10", true, sig(10, 60, true)},
                             {"SrunPlain", "USR1@3", false, sig(SIGUSR1, 3)},
                             // Refused: Slurm's "Invalid --signal specification".
                             {"BatchFromSrun", "B:USR1", false, std::nullopt},
                             {"Empty", "", true, std::nullopt},
                             {"UnknownName", "FOO", true, std::nullopt},
                             {"UnknownSigName", "SIGFOO", true, std::nullopt},
                             {"NameOutsideSlurmsTable", "WINCH", true, std::nullopt},
                             {"SigAlone", "SIG", true, std::nullopt},
                             {"ZeroSignal", "0", true, std::nullopt},
                             {"SignalPast64", "65", true, std::nullopt},
                             {"SignalPast16Bits", "65537", true, std::nullopt},
                             {"NegativeSignal", "-10", true, std::nullopt},
                             {"PlusSignal", "+10", true, std::nullopt},
                             {"NumberWithJunk", "10x", true, std::nullopt},
                             {"AtWithoutSeconds", "USR1@", true, std::nullopt},
                             {"AtAlone", "@30", true, std::nullopt},
                             {"NegativeSeconds", "USR1@-1", true, std::nullopt},
                             {"SecondsPast16Bits", "USR1@65536", true, std::nullopt},
                             {"SecondsHuge", "USR1@99999999999999999999", true, std::nullopt},
                             {"SecondsWithJunk", "USR1@3s", true, std::nullopt},
                             {"SecondsAsTime", "USR1@1:00", true, std::nullopt},
                             {"TwoAts", "USR1@3@4", true, std::nullopt},
                             {"SpaceInName", "USR 1", true, std::nullopt},
                             {"LeadingSpace", " USR1", true, std::nullopt},
                             {"TrailingSpace", "USR1 ", true, std::nullopt},
                             {"SpaceBeforeSeconds", "USR1@ 3", true, std::nullopt},
                             {"UnknownPrefix", "X:USR1", true, std::nullopt},
                             {"PrefixWithoutColon", "BUSR1", true, std::nullopt},
                             {"PrefixAlone", "B:", true, std::nullopt},
                             {"ColonAlone", ":USR1", true, std::nullopt},
                             {"TwoPrefixes", "B:R:USR1", true, std::nullopt},
                             {"DoubleBatch", "BB:USR1", true, std::nullopt},
                             {"NotUtf8", "USR\xff", true, std::nullopt},
                         }),
                         case_name<SignalCase>);

TEST(SignalName, SlurmsNamesThenNumbers) {
  EXPECT_EQ(signal_name(SIGUSR1), "USR1");
  EXPECT_EQ(signal_name(SIGTERM), "TERM");
  EXPECT_EQ(signal_name(34), "34");
}

TEST(SignalSpecString, AsSlurmPrintsIt) {
  EXPECT_EQ(signal_spec_string(sig(SIGUSR1, 60)), "USR1");
  EXPECT_EQ(signal_spec_string(sig(SIGUSR1, 3, true)), "B:USR1@3");
  EXPECT_EQ(signal_spec_string(sig(40, 0)), "40@0");
  EXPECT_EQ(signal_spec_string(SignalSpec{}), "");
}

TEST(SignalSpecString, ParsesBack) {
  for (const char* in : {"USR1", "B:USR2@10", "TERM@0", "40@65535"}) {
    const auto parsed = parse_signal_spec(in, true);
    ASSERT_TRUE(parsed) << in;
    EXPECT_EQ(signal_spec_string(*parsed), in);
  }
}

}  // namespace
}  // namespace sluice

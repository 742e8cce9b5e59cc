#include "core/proto/wire.hpp"

#include <gtest/gtest.h>

#include <random>

#include "core/proto/messages.hpp"

namespace sluice {
namespace {

TEST(Wire, RoundTripsAnEnvelope) {
  Message m{"submit", {{"x", 1}}, "cred"};
  std::string err;
  auto back = decode(encode(m), &err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->type, "submit");
  EXPECT_EQ(back->body["x"], 1);
  EXPECT_EQ(back->cred, "cred");
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* error;
};

class WireRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(WireRejects, WithAReason) {
  std::string err;
  EXPECT_FALSE(decode(GetParam().bytes, &err));
  EXPECT_EQ(err, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, WireRejects,
    ::testing::Values(BadCase{"empty", "", "not a JSON object"}, BadCase{"garbage", "\xff\xfe{", "not a JSON object"},
                      BadCase{"array", "[1,2]", "not a JSON object"},
                      BadCase{"no_version", R"({"type":"x"})", "missing protocol version"},
                      BadCase{"wrong_version", R"({"v":99,"type":"x"})",
                              "protocol version mismatch: got 99, expected 1"},
                      BadCase{"no_type", R"({"v":1})", "missing type"},
                      BadCase{"type_not_string", R"({"v":1,"type":7})", "missing type"},
                      BadCase{"body_not_object", R"({"v":1,"type":"x","body":[]})", "body is not an object"},
                      BadCase{"cred_not_string", R"({"v":1,"type":"x","cred":1})", "cred is not a string"},
                      BadCase{"too_large", std::string(kMaxMessageBytes + 1, ' '), "message too large"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Wire, JobRoundTripsThroughJson) {
  Job j;
  j.id = 42;
  j.spec.name = "train";
  j.spec.depends = {{DependKind::AfterOk, 7}};
  j.state = JobState::Timeout;
  j.alloc = {{"a256-t4-01", 4, 0, {0, 3}}};
  Job back = Json(j).get<Job>();
  EXPECT_EQ(back.id, 42u);
  EXPECT_EQ(back.spec.name, "train");
  EXPECT_EQ(back.state, JobState::Timeout);
  ASSERT_EQ(back.alloc.size(), 1u);
  EXPECT_EQ(back.alloc[0].gpus, (std::vector<std::uint32_t>{0, 3}));
  EXPECT_EQ(Json(j)["state"], "TIMEOUT");
  EXPECT_EQ(dependency_string(back.spec.depends), "afterok:7");
}

TEST(Wire, MissingJobFieldsTakeDefaults) {
  Job back = Json::parse(R"({"id": 5})").get<Job>();
  EXPECT_EQ(back.id, 5u);
  EXPECT_EQ(back.state, JobState::Pending);
  EXPECT_EQ(back.spec.cpus_per_task, 1u);
}

TEST(Wire, ConfiguredGpuIsJustIndexAndType) { EXPECT_EQ(Json(Gpu(2, "t4")).dump(), R"({"index":2,"type":"t4"})"); }

TEST(Wire, DiscoveredGpuRoundTrips) {
  Gpu g(1, "a40");
  g.name = "NVIDIA A40";
  g.uuid = "GPU-1234";
  g.pci_bus_id = "00000000:3B:00.0";
  g.minor = 3;
  g.memory_mb = 46068;
  g.link_group = 0;
  const Gpu back = Json::parse(Json(g).dump()).get<Gpu>();
  EXPECT_EQ(back.index, 1u);
  EXPECT_EQ(back.type, "a40");
  EXPECT_EQ(back.name, "NVIDIA A40");
  EXPECT_EQ(back.uuid, "GPU-1234");
  EXPECT_EQ(back.pci_bus_id, "00000000:3B:00.0");
  EXPECT_EQ(back.minor, 3u);
  EXPECT_EQ(back.memory_mb, 46068u);
  EXPECT_EQ(back.link_group, 0);
  EXPECT_EQ(Json::parse(R"({"index":0,"type":"t4"})").get<Gpu>().link_group, -1);
}

TEST(Wire, NodeCarriesOnlyWhatDiffersFromADefaultNode) {
  Node n;
  n.name = "n1";
  n.cpus = 8;
  n.gpus.emplace_back(0, "t4");
  n.responding = true;
  EXPECT_EQ(Json(n).dump(), R"({"cpus":8,"gpus":[{"index":0,"type":"t4"}],"name":"n1","responding":true})");
  n.weight = 5;
  n.drain = true;
  n.reason = "maintenance";
  n.gpu_used = {true};
  n.cpu_load = 1.5;
  const Node back = Json::parse(Json(n).dump()).get<Node>();
  EXPECT_EQ(back.name, "n1");
  EXPECT_EQ(back.cpus, 8u);
  ASSERT_EQ(back.gpus.size(), 1u);
  EXPECT_EQ(back.gpus[0].type, "t4");
  EXPECT_EQ(back.weight, 5u);
  EXPECT_TRUE(back.responding && back.drain);
  EXPECT_EQ(back.reason, "maintenance");
  EXPECT_EQ(back.gpu_used, std::vector<bool>{true});
  EXPECT_EQ(back.cpu_load, 1.5);
  EXPECT_EQ(Json::parse(R"({"name":"x"})").get<Node>().weight, 1u);  // absent: Node's default
}

TEST(Wire, WrongFieldTypeThrowsForTheCallerToReject) {
  EXPECT_THROW((void)Json::parse(R"({"id": "five"})").get<Job>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Decoder fuzz: random and mutated inputs never crash or throw.
TEST(WireFuzz, RandomAndMutatedInputs) {
  std::mt19937 rng(7);
  const std::string seed = encode(Message{"submit", {{"spec", Json(JobSpec{})}}, "c"});
  for (int i = 0; i < 20000; ++i) {
    std::string s = seed;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) s[rng() % s.size()] = static_cast<char>(rng());
    if (i % 5 == 0) s.resize(rng() % s.size());
    std::string err;
    auto m = decode(s, &err);
    if (m && m->body.contains("spec")) {
      try {
        (void)m->body["spec"].get<JobSpec>();
      } catch (const nlohmann::json::exception&) {
      }
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace sluice

// ---- message schemas (messages.hpp) ----

namespace sluice {
namespace {

TEST(MessageSchema, RoundTrip) {
  Register r;
  r.instance = "abc";
  r.running = {3, 4};
  JobEnded e;
  e.id = 3;
  e.exit_code = 2;
  e.timed_out = true;
  r.finished = {e};
  std::string why;
  auto back = from_body<Register>(to_body(r), &why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->instance, "abc");
  EXPECT_EQ(back->running, (std::vector<std::uint64_t>{3, 4}));
  ASSERT_EQ(back->finished.size(), 1u);
  EXPECT_TRUE(back->finished[0].timed_out);
  EXPECT_EQ(back->finished[0].exit_code, 2);
}

// scontrol update JobId= TimeLimit= and its way to the node: the limit travels in seconds, or as
// kUnlimited; an update without a time limit leaves it (kNoValue).
TEST(MessageSchema, TimeLimitUpdates) {
  std::string why;
  auto u = from_body<UpdateJob>(to_body(UpdateJob{.id = 7, .time_limit = kUnlimited}), &why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->id, 7u);
  EXPECT_EQ(u->time_limit, kUnlimited);
  u = from_body<UpdateJob>({{"id", 7}}, &why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->time_limit, kNoValue);
  EXPECT_FALSE(from_body<UpdateJob>({{"time_limit", 60}}, &why));
  EXPECT_EQ(why, "missing field \"id\"");
  auto t = from_body<SetTimeLimit>(to_body(SetTimeLimit{.id = 3, .time_limit = 480}), &why);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->time_limit, 480);
  EXPECT_FALSE(from_body<SetTimeLimit>({{"id", 3}}, &why));
  EXPECT_EQ(why, "missing field \"time_limit\"");
}

TEST(MessageSchema, MissingOrMalformedRequiredFieldsAreErrors) {
  struct Case {
    const char* name;
    Json body;
    std::string error;  // "" = decodes
  };
  const Case cases[] = {
      {"Complete", {{"id", 1}, {"exit_code", 0}, {"signal", 0}, {"timed_out", true}}, ""},
      {"MisspeltTimedOut",
       {{"id", 1}, {"exit_code", 0}, {"signal", 0}, {"timedout", true}},
       "missing field \"timed_out\""},
      {"NoId", {{"exit_code", 0}, {"signal", 0}, {"timed_out", false}}, "missing field \"id\""},
      {"WrongType",
       {{"id", "seven"}, {"exit_code", 0}, {"signal", 0}, {"timed_out", false}},
       "field \"id\": [json.exception.type_error.302] type must be number, but is string"},
      {"OptionalMissingIsFine", {{"id", 1}, {"exit_code", 1}, {"signal", 9}, {"timed_out", false}}, ""},
      {"UnknownFieldsIgnored",
       {{"id", 1}, {"exit_code", 0}, {"signal", 0}, {"timed_out", false}, {"cores_dumped", 1}},
       ""},
  };
  for (const auto& c : cases) {
    std::string why;
    const auto m = from_body<JobEnded>(c.body, &why);
    EXPECT_EQ(m.has_value(), c.error.empty()) << c.name;
    EXPECT_EQ(why, c.error) << c.name;
  }
  std::string why;
  EXPECT_FALSE(from_body<JobEnded>(Json::array(), &why));
  EXPECT_EQ(why, "body is not an object");
  EXPECT_FALSE(from_body<Register>({{"instance", "x"}, {"running", Json::array()}, {"finished", {1}}}, &why));
  EXPECT_EQ(why, "finished[]: expected an object");
}

}  // namespace
}  // namespace sluice

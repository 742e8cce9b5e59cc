// Hostile and malformed messages against a real controller: each is rejected (error reply or
// dropped and logged) and the controller keeps serving.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <zmq.hpp>

#include "core/config/config.hpp"
#include "core/proto/auth.hpp"
#include "core/proto/client.hpp"
#include "core/proto/wire.hpp"

namespace sluice {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

class HostileWire : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sluice-hostile-" + std::to_string(getpid()));
    const std::string out = run(std::string(SLUICE_BIN) + "/sluice local up -f " + SLUICE_SOURCE_DIR +
                                "/tests/integration/cluster.toml --dir " + dir_.string() + " 2>&1");
    std::vector<std::string> errors;
    cfg_ = load_config((dir_ / "sluice.toml").string(), errors);
    ASSERT_TRUE(cfg_) << out;
  }
  void TearDown() override {
    run(std::string(SLUICE_BIN) + "/sluice local down --dir " + dir_.string() + " 2>&1");
    std::filesystem::remove_all(dir_);
  }
  // Sends raw frames on a fresh DEALER; returns the reply or "" when none came within 1 s.
  std::string raw(const std::vector<std::string>& frames) {
    zmq::socket_t s(ctx_, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.connect(cfg_->controller.address);
    for (std::size_t i = 0; i < frames.size(); ++i)
      s.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(1000)) == 0) return "";
    zmq::message_t m;
    (void)s.recv(m);
    return m.to_string();
  }
  bool alive() {
    Client c(*cfg_);
    return c.call("ping").contains("version");
  }
  std::filesystem::path dir_;
  std::shared_ptr<const Config> cfg_;
  zmq::context_t ctx_{1};
};

TEST_F(HostileWire, MalformedMessagesGetAnErrorReply) {
  for (const std::string& bad : {std::string(""), std::string("\x00\xff garbage", 10), std::string("[]"),
                                 std::string(R"({"v":2,"type":"ping"})"), std::string(R"({"v":1})"),
                                 std::string(R"({"v":1,"type":"submit","body":{"spec":{"nodes":"x"}}})")}) {
    const std::string reply = raw({bad});
    EXPECT_NE(reply.find("\"ok\":false"), std::string::npos) << "for input " << bad << ": " << reply;
  }
  EXPECT_TRUE(alive());
}

TEST_F(HostileWire, ForgedOrMissingCredentialsAreRefused) {
  // A body that claims to be root proves nothing: identity comes only from the credential.
  const std::string forged = encode(Message{"cancel", {{"ids", {1}}, {"uid", 0}}, "MUNGE:forged"});
  EXPECT_NE(raw({forged}).find("Authentication failure"), std::string::npos);
  const std::string none = encode(Message{"nodes", Json::object(), ""});
  EXPECT_NE(raw({none}).find("Authentication failure"), std::string::npos);
  EXPECT_TRUE(alive());
}

TEST_F(HostileWire, ReplayedCredentialIsRefused) {
  auto auth = make_authenticator(cfg_->auth);
  std::string err;
  const std::string msg = encode(Message{"ping", Json::object(), auth->credential(&err)});
  EXPECT_NE(raw({msg}).find("\"ok\":true"), std::string::npos);
  EXPECT_NE(raw({msg}).find("Replayed"), std::string::npos);
}

TEST_F(HostileWire, ExtraFramesAndNodeImpostorsAreDropped) {
  EXPECT_EQ(raw({"a", "b", "c"}), "");
  zmq::socket_t s(ctx_, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::routing_id, "node:no-such-node");
  s.connect(cfg_->controller.address);
  auto auth = make_authenticator(cfg_->auth);
  std::string err;
  s.send(zmq::buffer(encode(Message{"job_ended", {{"id", 1}}, auth->credential(&err)})), zmq::send_flags::none);
  EXPECT_TRUE(alive());
}

// A node message without a required field is refused, never read with a default: an end report
// whose "timed_out" is misspelt must not end a running job COMPLETED.
TEST_F(HostileWire, NodeMessageMissingARequiredFieldIsRefused) {
  const std::string conf = "SLUICE_CONF=" + (dir_ / "sluice.toml").string() + " ";
  const std::string id = run(conf + SLUICE_BIN + "/sluice sbatch --parsable -o /dev/null -w n1 --wrap 'sleep 30' 2>&1");
  ASSERT_FALSE(id.empty());
  const auto state = [&] { return run(conf + SLUICE_BIN + "/sluice squeue -h -t all -o %T -j " + id); };
  for (int i = 0; i < 50 && state() != "RUNNING\n"; ++i) usleep(100000);
  ASSERT_EQ(state(), "RUNNING\n");
  zmq::socket_t s(ctx_, zmq::socket_type::dealer);  // the real node's identity (running as root)
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::routing_id, "node:n1");
  s.connect(cfg_->controller.address);
  auto auth = make_authenticator(cfg_->auth);
  std::string err;
  const Json body = {{"id", std::stoull(id)}, {"exit_code", 0}, {"signal", 0}, {"timedout", true}};
  s.send(zmq::buffer(encode(Message{"job_ended", body, auth->credential(&err)})), zmq::send_flags::none);
  usleep(500000);
  EXPECT_EQ(state(), "RUNNING\n");
  const std::string log = run("cat " + (dir_ / "log" / "sluicectld.log").string());
  EXPECT_NE(log.find("rejected job_ended message: job_ended: missing field \"timed_out\""), std::string::npos) << log;
  EXPECT_TRUE(alive());
}

TEST_F(HostileWire, RandomBytesNeverBringItDown) {
  std::mt19937 rng(42);
  zmq::socket_t s(ctx_, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(cfg_->controller.address);
  for (int i = 0; i < 300; ++i) {
    std::string junk(rng() % 512, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 3 == 0) junk = R"({"v":1,"type":"submit","body":)" + junk;
    s.send(zmq::buffer(junk), zmq::send_flags::dontwait);
  }
  EXPECT_TRUE(alive());
}

}  // namespace
}  // namespace sluice

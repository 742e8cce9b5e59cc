#include "core/zmtp/zmtp.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iterator>
#include <ranges>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace sluice::zmtp {
namespace {

using Frames = std::vector<std::string>;
using namespace std::chrono_literals;

// n bytes of everything: NULs, invalid UTF-8.
std::string blob(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + i / 251);
  return s;
}

// A libzmq socket on an ephemeral endpoint; its own I/O thread serves the connection, so a test can
// drive both sides in turn.
class ZmqPeer {
 public:
  ZmqPeer(zmq::socket_type type, const std::string& bind, int heartbeat_ms = 0) : bind_(bind), sock_(ctx_, type) {
    sock_.set(zmq::sockopt::linger, 0);
    sock_.set(zmq::sockopt::rcvtimeo, 5000);
    sock_.set(zmq::sockopt::heartbeat_ivl, heartbeat_ms);
    sock_.set(zmq::sockopt::heartbeat_timeout, 5 * heartbeat_ms);
    sock_.bind(bind);
  }
  ~ZmqPeer() {
    if (bind_.starts_with("ipc:///")) ::unlink(bind_.c_str() + 6);
  }
  std::string endpoint() { return sock_.get(zmq::sockopt::last_endpoint); }
  Frames recv() {
    std::vector<zmq::message_t> parts;
    EXPECT_TRUE(zmq::recv_multipart(sock_, std::back_inserter(parts))) << "nothing arrived";
    Frames out;
    for (const auto& p : parts) out.push_back(p.to_string());
    return out;
  }
  void send(const Frames& frames) {
    std::vector<zmq::const_buffer> parts;
    for (const auto& f : frames) parts.push_back(zmq::buffer(f));
    zmq::send_multipart(sock_, parts);
  }

 private:
  std::string bind_;
  zmq::context_t ctx_;
  zmq::socket_t sock_;
};

struct EndpointCase {
  const char* name;
  std::string bind;
  std::string host = {};  // connect by this name instead of the bound address
};

class OverEndpoint : public ::testing::TestWithParam<EndpointCase> {};

TEST_P(OverEndpoint, DealerTalksToARealRouter) {
  ZmqPeer router(zmq::socket_type::router, GetParam().bind);
  std::string endpoint = router.endpoint(), error;
  if (!GetParam().host.empty()) endpoint.replace(6, endpoint.rfind(':') - 6, GetParam().host);
  auto s = Stream::connect(endpoint, "DEALER", 2000, &error);
  ASSERT_TRUE(s) << error;
  ASSERT_TRUE(s->send({"request"})) << s->error();
  const Frames got = router.recv();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "request");
  router.send({got[0], "reply"});
  EXPECT_EQ(s->recv(2000), Frames{"reply"}) << s->error();
}

INSTANTIATE_TEST_SUITE_P(
    Zmtp, OverEndpoint,
    ::testing::Values(EndpointCase{"tcp", "tcp://127.0.0.1:*"},
                      EndpointCase{"tcp_by_name", "tcp://127.0.0.1:*", "localhost"},
                      EndpointCase{"ipc", "ipc://" + ::testing::TempDir() + "zmtp-" + std::to_string(getpid())},
                      EndpointCase{"ipc_abstract", "ipc://@sluice-zmtp-" + std::to_string(getpid())}),
    [](const auto& info) { return info.param.name; });

TEST(Zmtp, RouterSeesOurRoutingId) {
  ZmqPeer router(zmq::socket_type::router, "tcp://127.0.0.1:*");
  std::string error;
  auto s = Stream::connect(router.endpoint(), "DEALER", 2000, &error, "node:x");
  ASSERT_TRUE(s) << error;
  ASSERT_TRUE(s->send({"hello"}));
  EXPECT_EQ(router.recv(), (Frames{"node:x", "hello"}));
  router.send({"node:x", "welcome"});
  EXPECT_EQ(s->recv(2000), Frames{"welcome"}) << s->error();
}

struct ShapeCase {
  const char* name;
  Frames frames;
};

class EchoesShape : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(EchoesShape, BothWays) {
  ZmqPeer router(zmq::socket_type::router, "tcp://127.0.0.1:*");
  std::string error;
  auto s = Stream::connect(router.endpoint(), "DEALER", 2000, &error);
  ASSERT_TRUE(s) << error;
  ASSERT_TRUE(s->send(GetParam().frames)) << s->error();
  const Frames got = router.recv();
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(std::ranges::equal(got | std::views::drop(1), GetParam().frames));
  router.send(got);
  EXPECT_EQ(s->recv(5000), GetParam().frames) << s->error();
}

INSTANTIATE_TEST_SUITE_P(Zmtp, EchoesShape,
                         ::testing::Values(ShapeCase{"empty", {""}}, ShapeCase{"short_255", {blob(255)}},
                                           ShapeCase{"long_256", {blob(256)}}, ShapeCase{"b300", {blob(300)}},
                                           ShapeCase{"mib", {blob(1 << 20)}},
                                           ShapeCase{"multi", {"a", "", blob(300), blob(1 << 20), "z"}}),
                         [](const auto& info) { return info.param.name; });

TEST(Zmtp, AnswersHeartbeatsWhileWaiting) {
  ZmqPeer router(zmq::socket_type::router, "tcp://127.0.0.1:*", 20);  // drops a peer silent for 100 ms
  std::string error;
  auto s = Stream::connect(router.endpoint(), "DEALER", 2000, &error);
  ASSERT_TRUE(s) << error;
  bool timed_out = false;
  EXPECT_FALSE(s->recv(400, &timed_out));
  EXPECT_TRUE(timed_out) << s->error();
  ASSERT_TRUE(s->send({"still there"}));
  const Frames got = router.recv();
  ASSERT_EQ(got.size(), 2u);
  router.send({got[0], "yes"});
  EXPECT_EQ(s->recv(2000), Frames{"yes"}) << s->error();
}

// Accepts one connection on `listen_fd`, waiting up to 5 s.
int accept_one(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) == 1 ? ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC) : -1;
}

TEST(Zmtp, PullTakesPushedMessagesInAPollLoop) {
  std::string error;
  int port = 0;
  const int listen_fd = listen_tcp("127.0.0.1", &port, &error);
  ASSERT_GE(listen_fd, 0) << error;
  zmq::context_t ctx;
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 5000);
  push.connect("tcp://127.0.0.1:" + std::to_string(port));
  std::vector<Frames> sent;
  for (int i = 0; i < 50; ++i) sent.push_back({"stdout", std::string("a\0b\xff\xfe\xc3(", 7) + std::to_string(i)});
  sent.push_back({"stderr", blob(1 << 20)});
  sent.push_back({"exit", "{}", ""});
  for (const Frames& m : sent) {
    std::vector<zmq::const_buffer> parts;
    for (const auto& f : m) parts.push_back(zmq::buffer(f));
    zmq::send_multipart(push, parts);
  }

  auto s = Stream::handshake_accepted(accept_one(listen_fd), "PULL", 2000, &error);
  ASSERT_TRUE(s) << error;
  std::vector<Frames> got;
  for (bool open = true; open && got.size() < sent.size();) {
    pollfd p{s->fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    open = s->read_available();
    while (auto m = s->next_message()) got.push_back(std::move(*m));
  }
  EXPECT_EQ(got, sent);

  push.close();
  pollfd p{s->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_FALSE(s->read_available());
  EXPECT_EQ(s->error(), "connection closed by peer");
  ::close(listen_fd);
}

// srun's I/O channel: a libzmq PAIR connects (the node agent) and both sides talk at once. Our side
// never blocks: it queues stdin while the peer sends output, flushing when the socket takes more.
TEST(Zmtp, PairQueuesWhileThePeerSends) {
  std::string error;
  int port = 0;
  const int listen_fd = listen_tcp("127.0.0.1", &port, &error);
  ASSERT_GE(listen_fd, 0) << error;
  zmq::context_t ctx;
  zmq::socket_t pair(ctx, zmq::socket_type::pair);
  pair.set(zmq::sockopt::linger, 0);
  pair.set(zmq::sockopt::rcvtimeo, 5000);
  pair.connect("tcp://127.0.0.1:" + std::to_string(port));
  auto s = Stream::handshake_accepted(accept_one(listen_fd), "PAIR", 2000, &error);
  ASSERT_TRUE(s) << error;

  const std::string big = blob(8 << 20);  // more than the socket buffers take at once
  s->enqueue({"stdin", big});
  s->enqueue({"eof"});
  EXPECT_GT(s->queued_bytes(), big.size());
  ASSERT_TRUE(s->flush()) << s->error();
  pair.send(zmq::buffer(std::string("stdout")), zmq::send_flags::sndmore);
  pair.send(zmq::buffer(std::string("hello")));

  std::vector<Frames> to_zmq;
  std::vector<Frames> from_zmq;
  while (to_zmq.size() < 2 || from_zmq.empty()) {
    pollfd p{s->fd(), static_cast<short>(POLLIN | (s->queued_bytes() ? POLLOUT : 0)), 0};
    ASSERT_GE(::poll(&p, 1, 50), 0);
    if (p.revents & POLLOUT) {
      ASSERT_TRUE(s->flush()) << s->error();
    }
    if (p.revents & POLLIN) {
      ASSERT_TRUE(s->read_available()) << s->error();
    }
    while (auto m = s->next_message()) from_zmq.push_back(std::move(*m));
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(pair, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
      Frames f;
      for (const auto& part : parts) f.push_back(part.to_string());
      to_zmq.push_back(std::move(f));
      parts.clear();
    }
  }
  EXPECT_EQ(s->queued_bytes(), 0u);
  ASSERT_EQ(to_zmq.size(), 2u);
  EXPECT_EQ(to_zmq[0], (Frames{"stdin", big}));
  EXPECT_EQ(to_zmq[1], Frames{"eof"});
  EXPECT_EQ(from_zmq, (std::vector<Frames>{{"stdout", "hello"}}));
  ASSERT_TRUE(s->send({"winsize", "24 80"})) << s->error();  // a blocking send after the queue
  std::vector<zmq::message_t> last;
  ASSERT_TRUE(zmq::recv_multipart(pair, std::back_inserter(last)));
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[1].to_string(), "24 80");
  ::close(listen_fd);
}

TEST(Zmtp, PullRejectsADealer) {
  std::string error;
  int port = 0;
  const int listen_fd = listen_tcp("127.0.0.1", &port, &error);
  ASSERT_GE(listen_fd, 0) << error;
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect("tcp://127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(Stream::handshake_accepted(accept_one(listen_fd), "PULL", 2000, &error));
  EXPECT_EQ(error, "ZMTP handshake: peer socket type DEALER cannot talk to PULL");
  ::close(listen_fd);
}

TEST(Zmtp, ServerRejectsGarbage) {
  std::string error;
  int port = 0;
  const int listen_fd = listen_tcp("127.0.0.1", &port, &error);
  ASSERT_GE(listen_fd, 0) << error;
  const int raw = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(raw, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::write(raw, "GET / HTTP/1.0\r\n\r\n", 18), 18);
  EXPECT_FALSE(Stream::handshake_accepted(accept_one(listen_fd), "PULL", 2000, &error));
  EXPECT_EQ(error, "ZMTP handshake: not a ZMTP peer (bad greeting signature)");
  ::close(raw);
  ::close(listen_fd);
}

struct ConnectFailCase {
  const char* name;
  std::string endpoint;  // "{port}": a closed port
  std::string error;
  std::string socket_type = "DEALER";
  std::string identity = {};
};

class ConnectFails : public ::testing::TestWithParam<ConnectFailCase> {};

TEST_P(ConnectFails, FastWithAReason) {
  std::string error;
  int port = 0;
  const int fd = listen_tcp("127.0.0.1", &port, &error);
  ASSERT_GE(fd, 0) << error;
  ::close(fd);
  std::string endpoint = GetParam().endpoint;
  if (auto at = endpoint.find("{port}"); at != std::string::npos) endpoint.replace(at, 6, std::to_string(port));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(Stream::connect(endpoint, GetParam().socket_type, 5000, &error, GetParam().identity));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(error, endpoint + ": " + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Zmtp, ConnectFails,
    ::testing::Values(
        ConnectFailCase{"refused", "tcp://127.0.0.1:{port}", "connection refused"},
        ConnectFailCase{"no_socket_file", "ipc:///nonexistent/zmtp.sock", "no such file or directory"},
        ConnectFailCase{"bad_scheme", "udp://127.0.0.1:1", "bad endpoint (expected tcp://host:port or ipc://path)"},
        ConnectFailCase{"no_port", "tcp://127.0.0.1", "bad endpoint (expected tcp://host:port or ipc://path)"},
        ConnectFailCase{"bad_port", "tcp://127.0.0.1:65536", "bad endpoint (expected tcp://host:port or ipc://path)"},
        ConnectFailCase{"unknown_type", "tcp://127.0.0.1:{port}", "unknown socket type DEALR", "DEALR"},
        ConnectFailCase{"long_identity", "tcp://127.0.0.1:{port}", "identity longer than 255 bytes", "DEALER",
                        std::string(256, 'x')}),
    [](const auto& info) { return info.param.name; });

// Bytes a hostile or broken peer may send.
std::string greeting(char major = 3, std::string_view mechanism = "NULL") {
  std::string g(64, '\0');
  g[0] = '\xff';
  g[9] = '\x7f';
  g[10] = major;
  g.replace(12, mechanism.size(), mechanism);
  return g;
}
std::string command(std::string_view name, std::string_view data) {
  const std::string body = static_cast<char>(name.size()) + std::string(name) + std::string(data);
  return std::string{'\x04', static_cast<char>(body.size())} + body;
}
std::string property(std::string_view name, std::string_view value) {
  return static_cast<char>(name.size()) + std::string(name) + std::string{0, 0, 0, static_cast<char>(value.size())} +
         std::string(value);
}
std::string long_header(char flags, std::uint64_t size) {
  std::string h(1, flags);
  for (int i = 7; i >= 0; --i) h.push_back(static_cast<char>(size >> (8 * i)));
  return h;
}
const std::string kRouterHello = greeting() + command("READY", property("Socket-Type", "ROUTER"));

// A raw TCP peer: accepts one connection, writes `script`, then (unless it hangs) closes its sending side
// and reads until the other side closes.
class FakePeer {
 public:
  FakePeer(std::string script, bool hang) {
    std::string error;
    listen_fd_ = listen_tcp("127.0.0.1", &port_, &error);
    EXPECT_GE(listen_fd_, 0) << error;
    thread_ = std::thread([this, script = std::move(script), hang] {
      const int fd = accept_one(listen_fd_);
      for (std::string_view left = script; fd >= 0 && !left.empty();) {
        const ssize_t n = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        left.remove_prefix(static_cast<std::size_t>(n));
      }
      if (!hang) ::shutdown(fd, SHUT_WR);
      char buf[4096];
      for (pollfd p{fd, POLLIN, 0}; fd >= 0 && ::poll(&p, 1, 5000) == 1 && ::read(fd, buf, sizeof buf) > 0;) {
      }
      ::close(fd);
    });
  }
  ~FakePeer() {
    thread_.join();
    ::close(listen_fd_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  int listen_fd_ = -1, port_ = 0;
  std::thread thread_;
};

struct HostileCase {
  const char* name;
  std::string script;
  std::string error;
  bool in_handshake = true;
  bool hang = false;
};

class HostilePeer : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostilePeer, FailsCleanly) {
  const HostileCase& c = GetParam();
  FakePeer peer(c.script, c.hang);
  std::string error;
  auto s = Stream::connect(peer.endpoint(), "DEALER", 300, &error);
  if (c.in_handshake) {
    EXPECT_FALSE(s);
    EXPECT_EQ(error, peer.endpoint() + ": ZMTP handshake: " + c.error);
    return;
  }
  ASSERT_TRUE(s) << error;
  bool timed_out = false;
  EXPECT_FALSE(s->recv(5000, &timed_out));
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(s->error(), c.error);
  EXPECT_FALSE(s->send({"x"}));
}

std::string many_frames(int n) {
  std::string s;
  for (int i = 1; i < n; ++i) s += std::string("\x01\x00", 2);
  return s + std::string("\x00\x00", 2);
}

INSTANTIATE_TEST_SUITE_P(
    Zmtp, HostilePeer,
    ::testing::Values(
        HostileCase{"http", "HTTP/1.1 400 Bad Request\r\n\r\n", "not a ZMTP peer (bad greeting signature)"},
        HostileCase{"bad_signature_end", greeting().replace(9, 1, "\x01"), "not a ZMTP peer (bad greeting signature)"},
        HostileCase{"zmtp2", greeting(1), "unsupported ZMTP version 1 (need 3)"},
        HostileCase{"curve", greeting(3, "CURVE"), "peer wants the CURVE security mechanism, only NULL is supported"},
        HostileCase{"silent", "", "timed out", true, true},
        HostileCase{"half_greeting", greeting().substr(0, 10), "timed out", true, true},
        HostileCase{"closes_in_greeting", greeting().substr(0, 30), "connection closed by peer"},
        HostileCase{"message_before_ready",
                    greeting() + std::string("\x00\x03"
                                             "abc",
                                             5),
                    "expected a READY command"},
        HostileCase{"error", greeting() + command("ERROR", "\x07go away"), "peer refused: go away"},
        HostileCase{"other_command", greeting() + command("HELLO", ""), "expected a READY command, got HELLO"},
        HostileCase{"no_socket_type", greeting() + command("READY", property("Identity", "x")),
                    "peer's READY has no Socket-Type"},
        HostileCase{"incompatible", greeting() + command("READY", property("Socket-Type", "PUB")),
                    "peer socket type PUB cannot talk to DEALER"},
        HostileCase{"malformed_property",
                    greeting() + command("READY", property("Socket-Type", "ROUTER").substr(0, 16)),
                    "malformed READY command"},
        HostileCase{"bad_flags", greeting() + std::string("\x80\x00", 2), "invalid frame flags 128"},
        HostileCase{"huge_ready", greeting() + long_header('\x06', 1ull << 40), "message exceeds the 16 MiB limit"},
        HostileCase{"huge_frame", kRouterHello + long_header('\x02', 17 << 20), "message exceeds the 16 MiB limit",
                    false},
        HostileCase{"huge_message",
                    kRouterHello + long_header('\x03', 10 << 20) + blob(10 << 20) + long_header('\x02', 7 << 20),
                    "message exceeds the 16 MiB limit", false},
        HostileCase{"too_many_frames", kRouterHello + many_frames(1025), "message has more than 1024 frames", false},
        HostileCase{"truncated",
                    kRouterHello + std::string("\x00\x05"
                                               "ab",
                                               4),
                    "connection closed by peer", false},
        HostileCase{"bad_flags_later", kRouterHello + std::string("\x40\x00", 2), "invalid frame flags 64", false}),
    [](const auto& info) { return info.param.name; });

TEST(Zmtp, AcceptsManyFramesUpToTheLimit) {
  FakePeer peer(kRouterHello + many_frames(1024), false);
  std::string error;
  auto s = Stream::connect(peer.endpoint(), "DEALER", 2000, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->recv(2000), Frames(1024)) << s->error();
}

TEST(Zmtp, RefusesToSendNothing) {
  FakePeer peer(kRouterHello, false);
  std::string error;
  auto s = Stream::connect(peer.endpoint(), "DEALER", 2000, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->send({}));
  EXPECT_EQ(s->error(), "cannot send a message without frames");
}

TEST(Zmtp, ListenReportsABadAddress) {
  std::string error;
  int port = 0;
  EXPECT_EQ(listen_tcp("192.0.2.1", &port, &error), -1);
  EXPECT_EQ(error, "192.0.2.1: cannot assign requested address");
}

}  // namespace
}  // namespace sluice::zmtp

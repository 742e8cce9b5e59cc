// sluicectld's loop. Single-threaded: poll the ROUTER socket and a signalfd, dispatch each message
// through the request table to its handler, run the once-a-second tick and one coalesced
// scheduling pass if anything changed, commit every queued write, then send replies and launches
// (so nothing leaves before it is durable). All state lives in CtlState (state.hpp).
#pragma once
#include <memory>
#include <string>
#include <zmq.hpp>

#include "core/ctld/state.hpp"

namespace sluice {

class Controller {
 public:
  Controller(std::shared_ptr<const Config> cfg, std::unique_ptr<PluginSet> plugins);
  void run();  // until SIGTERM/SIGINT

 private:
  void drain_socket();
  void dispatch(const std::string& peer, zmq::message_t& frame, const std::string& bytes);
  void flush();

  CtlState state_;
  std::unique_ptr<Authenticator> auth_;
  zmq::context_t ctx_{1};
  zmq::socket_t router_{ctx_, zmq::socket_type::router};
  int sigfd_ = -1;
  bool stop_ = false;
  Time last_tick_ = 0;
};

}  // namespace sluice

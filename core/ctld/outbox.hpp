// What the controller will send once the current loop iteration's writes are committed: replies
// to clients and messages to node agents, in order.
#pragma once
#include <deque>
#include <string>
#include <string_view>

#include "core/proto/wire.hpp"

namespace sluice {

class Outbox {
 public:
  struct Item {
    std::string peer;  // ZeroMQ routing id: a client's, or "node:<name>"
    std::string payload;
  };
  void reply(const std::string& peer, const Json& body) { items_.push_back({peer, encode_reply(body)}); }
  void error(const std::string& peer, std::string_view why) { items_.push_back({peer, encode_error(why)}); }
  // A message of `type` to the agent of `node`.
  void to_node(const std::string& node, const std::string& type, Json body) {
    items_.push_back({"node:" + node, encode(Message{type, std::move(body), {}})});
  }
  std::deque<Item>& items() { return items_; }

 private:
  std::deque<Item> items_;
};

}  // namespace sluice

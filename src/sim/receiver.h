// The simulated webhook receiver: POST /hooks/{name} checks the Standard
// Webhooks signature and records every arrival, so a test can see what Ordo
// sent, how often, and whether it was signed right.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "http/router.h"
#include "sim/chaos.h"
#include "sim/delayer.h"

namespace ordo::sim {

// "whsec_" + base64("ordo-sim-secret").
std::string DefaultWebhookSecret();

class Receiver {
 public:
  static constexpr std::size_t kMaxDeliveries = 10'000;  // the oldest are forgotten beyond this

  Receiver(Chaos& chaos, Delayer& delayer, std::string secret);
  // POST /hooks/{name}, PUT /v1/receiver {"secret"}, GET /v1/receiver/deliveries?name=.
  void Register(http::Router& router);
  void SetSecret(std::string secret);
  std::string secret() const;
  // Forgets every delivery.
  void Reset();

 private:
  // One webhook-id at one hook, over all its attempts.
  struct Delivery {
    std::string name;
    std::string webhook_id;
    std::string type;  // the body's "type", when it is a JSON object with one
    std::string body;  // of the last attempt
    bool verified = false;  // the last attempt's signature was valid
    bool accepted = false;  // some attempt was answered 204
    int attempts = 0;
    int last_status = 0;
    std::string error;  // why the last attempt was refused
    Timestamp received_at = 0;
    Timestamp last_received_at = 0;
  };

  void Hook(const http::Request& request, http::Respond respond);
  http::Response Deliveries(const http::Request& request) const;

  Chaos& chaos_;
  Delayer& delayer_;
  SystemClock clock_;
  mutable std::mutex mu_;
  std::string secret_;
  std::vector<Delivery> deliveries_;  // in order of first arrival
  std::map<std::pair<std::string, std::string>, std::size_t> index_;  // (name, webhook-id) → deliveries_
};

}  // namespace ordo::sim

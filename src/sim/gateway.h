// The simulated payment gateway: authorize, capture, void and refund in
// integer minor units, with Idempotency-Keys and a ledger of every effect, so
// a test can count what was really charged whatever the client saw.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "http/router.h"
#include "sim/chaos.h"
#include "sim/delayer.h"

namespace ordo::sim {

class Gateway {
 public:
  Gateway(Chaos& chaos, Delayer& delayer);
  // POST /v1/payments/authorize, /{id}/capture, /{id}/void, /{id}/refunds;
  // GET /v1/payments/{id}, /v1/payments?reference=&idempotency_key=, /v1/ledger.
  void Register(http::Router& router);
  // Forgets every payment and Idempotency-Key.
  void Reset();

 private:
  struct Capture {
    std::string id;
    std::int64_t amount = 0;
    Timestamp at = 0;
  };
  struct Refund {
    std::string id;
    std::int64_t amount = 0;
    Timestamp at = 0;
  };
  struct Payment {
    std::string id;
    std::string status;  // authorized | captured | voided | declined
    std::int64_t amount = 0;
    std::string currency;
    std::string reference;
    std::string idempotency_key;  // of the authorize that created it
    std::string decline_code;
    std::int64_t captured = 0;
    std::int64_t refunded = 0;
    Timestamp created_at = 0;
    std::vector<Capture> captures;
    std::vector<Refund> refunds;
  };
  // What an Idempotency-Key's first request got.
  struct Stored {
    nlohmann::json request;
    http::Response response;
  };
  using Operation = http::Response (Gateway::*)(const http::Request&, const nlohmann::json&);

  // A money endpoint: the Idempotency-Key and body checks, the chaos knobs,
  // and the operation itself (under mu_) once per key.
  void Money(const http::Request& request, http::Respond respond, Operation operation, bool key_required);
  http::Response Authorize(const http::Request& request, const nlohmann::json& body);
  http::Response DoCapture(const http::Request& request, const nlohmann::json& body);
  http::Response DoVoid(const http::Request& request, const nlohmann::json& body);
  http::Response DoRefund(const http::Request& request, const nlohmann::json& body);
  http::Response Get(const http::Request& request) const;
  http::Response List(const http::Request& request) const;
  http::Response Ledger() const;

  Payment* Find(const std::string& id);
  static nlohmann::json ToJson(const Payment& payment);
  static nlohmann::json ToJson(const Payment& payment, const Refund& refund);

  Chaos& chaos_;
  Delayer& delayer_;
  SystemClock clock_;
  IdGenerator ids_;
  mutable std::mutex mu_;
  std::vector<Payment> payments_;  // in creation order
  std::map<std::string, std::size_t> by_id_;
  std::map<std::string, Stored> keys_;  // "<endpoint> <payment id> <key>"
};

}  // namespace ordo::sim

// The payment gateway client: authorise, capture, void and refund over HTTP
// (the contract `ordo sim` serves, Stripe-like: integer minor units, an
// Idempotency-Key on every call that moves money), and a lookup by key so
// that an unknown outcome is settled by asking, never by charging again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ordo::integrations::payment {

struct Payment {
  std::string id;
  std::string status;  // authorized, captured, voided, declined
  std::int64_t amount = 0, captured = 0, refunded = 0;
  std::string currency;
};

// How one call ended, as a job runner needs to know it.
struct CallResult {
  enum class Kind {
    kOk,         // done: `payment` holds the answer
    kDeclined,   // the card was declined (a business outcome): `decline_code`
    kRejected,   // the gateway refused the request for good (4xx): retrying cannot help
    kTransient,  // not done (5xx, refused connection): safe to try again
    kUnknown,    // maybe done (timeout or a dropped connection after sending, an unreadable answer): ask first
  };
  Kind kind = Kind::kTransient;
  int http_status = 0;
  std::string error;
  Payment payment;
  std::string decline_code;
};

class Gateway {
 public:
  Gateway(std::string base_url, long timeout_ms = 5000) : base_(std::move(base_url)), timeout_ms_(timeout_ms) {}

  CallResult Authorize(std::int64_t amount, const std::string& currency, const std::string& token,
                       const std::string& reference, const std::string& key) const;
  CallResult Capture(const std::string& payment_id, std::int64_t amount, const std::string& key) const;
  CallResult Void(const std::string& payment_id, const std::string& key) const;
  // On kOk, payment.id is the refund's id and payment.amount its amount.
  CallResult Refund(const std::string& payment_id, std::int64_t amount, const std::string& key) const;
  // The payment an authorisation with this Idempotency-Key created: kOk with
  // the payment, kOk with an empty payment.id when there is none.
  CallResult FindByKey(const std::string& authorize_key) const;

  const std::string& base_url() const { return base_; }

 private:
  CallResult Call(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& key) const;
  std::string base_;
  long timeout_ms_;
};

const char* ToString(CallResult::Kind kind);

}  // namespace ordo::integrations::payment

// The `lifecycle` scenario of `ordo load`, the parts that need no socket: the
// step machine of one order flow, the scan of a response body for a top-level
// string, and the bytes of each step's request.
//
// One flow: POST /v1/orders (201, the id) → POST /v1/orders/{id}/pay (200,
// the charge is a job) → GET /v1/orders/{id} every poll interval until the
// order's status is "paid" → POST …/ship (200 "shipped") → POST …/deliver
// (200 "delivered"). A non-2xx answer, an answer without what the step needs,
// a payment that ends in another status (a decline: "failed"), or no "paid"
// within the paid timeout ends the flow as failed; the connection then starts
// a new flow.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ordo::load {

enum class FlowStep { kCreate, kPay, kPoll, kShip, kDeliver };
inline constexpr int kFlowSteps = 5;
const char* ToString(FlowStep step);

// The value of the top-level member `key` of the JSON object `json` when it is
// a string (as written, escapes left in), else nullopt: no such member, another
// type, or text that is not a well-formed object up to that member. Nested
// members of the same name are not matched. Cheap: one pass, no allocation.
std::optional<std::string_view> TopLevelString(std::string_view json, std::string_view key);

class OrderFlow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  enum class Verdict {
    kSend,       // send the request of step() now
    kPollLater,  // send the poll after the poll interval
    kCompleted,  // delivered; Restart() for the next flow
    kFailed,     // see failure(); Restart() for the next flow
  };
  enum class Failure {
    kNone,
    kRejected,       // a non-2xx answer (to the step that was sent)
    kBadResponse,    // a 2xx without the id or the status the step expects
    kPaymentFailed,  // the order left pending for another status than paid
    kPaidTimeout,    // still not paid paid_timeout after the pay answer
  };

  explicit OrderFlow(std::chrono::nanoseconds paid_timeout) : paid_timeout_(paid_timeout) {}

  void Restart();  // a new flow, at kCreate
  FlowStep step() const { return step_; }
  std::string_view order_id() const { return id_; }
  int polls() const { return polls_; }  // answered polls of this flow
  Failure failure() const { return failure_; }

  // The answer to the request of step(), at `now`.
  Verdict OnResponse(int status, std::string_view body, TimePoint now);

 private:
  Verdict Fail(Failure f);
  Verdict AfterPaymentStatus(std::optional<std::string_view> status, TimePoint now);

  std::chrono::nanoseconds paid_timeout_;
  FlowStep step_ = FlowStep::kCreate;
  std::string id_;
  int polls_ = 0;
  TimePoint paid_deadline_{};
  Failure failure_ = Failure::kNone;
};

// An order id safe to put in a path: 1–64 of [A-Za-z0-9_-].
bool IsPathSafeId(std::string_view id);

// Replaces `out` with the request of `step` (not kCreate: creates come from
// the pre-built order pool) for order `order_id`. `head` holds the header
// lines every request carries ("Host: …\r\n" and an Authorization line);
// `post_header` is added to the POSTs only (an Idempotency-Key line, or empty);
// `tracking` is the ship step's tracking number. Keeps out's capacity.
void BuildStepRequest(std::string& out, FlowStep step, std::string_view order_id, std::string_view head,
                      std::string_view post_header, std::string_view tracking);

}  // namespace ordo::load

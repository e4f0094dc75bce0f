// Orders: the request, its validation, and placing an order. The decisions
// that move a placed order along its workflow are in lifecycle.h. Each
// decision takes the loaded state and `now`, mutates the values it was given,
// and returns the stock deltas, events and jobs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/allocation/allocation.h"
#include "domain/catalog/catalog.h"
#include "domain/event.h"
#include "domain/inventory/ledger.h"

namespace ordo::domain {

constexpr std::size_t kMaxOrderLines = 100;
constexpr std::int64_t kMaxLineQuantity = 1'000'000;

struct Address {
  std::string name, line1, line2, city, region, postal_code, country;
  std::optional<double> lat, lng;
  std::string phone;  // optional; handed to the warehouse system with the address
};

struct RequestedLine {
  std::string sku;
  std::int64_t quantity = 0;
};

// What a caller asks for. Prices, totals and status are never part of it.
struct OrderRequest {
  std::string external_id, channel, customer_id;
  std::string currency;
  std::vector<RequestedLine> lines;
  Address shipping_address;
};

// Static rules of the request alone (no catalogue, no stock).
Status ValidateOrderRequest(const OrderRequest& request);

struct OrderLine {
  std::string sku;
  std::string name;
  std::int64_t quantity = 0;
  std::int64_t unit_price_minor = 0;
  std::int64_t total_minor = 0;
  // Units of this line covered by refund requests (RequestRefund). A refund
  // the gateway refuses leaves them counted; a refund by amount stays possible.
  std::int64_t refunded_quantity = 0;
};

namespace status {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kConfirmed = "confirmed";
inline constexpr const char* kPaid = "paid";
inline constexpr const char* kFulfilling = "fulfilling";
inline constexpr const char* kShipped = "shipped";
inline constexpr const char* kDelivered = "delivered";
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kExpired = "expired";
}  // namespace status

// Where the order's money stands, apart from its workflow status.
namespace payment_status {
inline constexpr const char* kNone = "none";              // pay not asked yet
inline constexpr const char* kPending = "pending";        // a payment job is queued or running
inline constexpr const char* kAuthorized = "authorized";  // held, not captured
inline constexpr const char* kCaptured = "captured";
inline constexpr const char* kDeclined = "declined";  // a business outcome: never retried
inline constexpr const char* kFailed = "failed";      // permanently failed
inline constexpr const char* kVoided = "voided";      // the authorisation was given back
inline constexpr const char* kPartiallyRefunded = "partially_refunded";
inline constexpr const char* kRefunded = "refunded";
// Paid elsewhere (an ERP's order arrives paid, seed 000): no gateway call,
// nothing to capture, refund or void through Ordo.
inline constexpr const char* kExternal = "external";
}  // namespace payment_status

// Where the order stands with the warehouse system (WMS), apart from its
// workflow status: the push job's progress and the WMS's last status.
namespace wms_state {
inline constexpr const char* kNone = "none";                  // never handed to the WMS
inline constexpr const char* kQueued = "queued";              // a push job is queued (or queued again by hand)
inline constexpr const char* kRetrying = "retrying";          // a push failed and will be tried again
inline constexpr const char* kAcknowledged = "acknowledged";  // the WMS took it (wms_order_id)
inline constexpr const char* kFailed = "failed";              // the push job is dead (the DLQ)
inline bool Known(std::string_view s) {
  return s == kNone || s == kQueued || s == kRetrying || s == kAcknowledged || s == kFailed;
}
}  // namespace wms_state

struct WmsSync {
  std::string state = wms_state::kNone;
  std::string order_id;  // the WMS's id of the order (its acknowledgement)
  std::string status;    // the last status the WMS reported and Ordo applied: picked, packed, shipped, …
};

struct Order {
  std::string id, external_id, channel, customer_id, currency;
  std::string status = status::kPending;
  std::vector<OrderLine> lines;
  std::int64_t total_minor = 0;
  Address shipping_address;
  GeoPoint ship_to;  // resolved coordinates used for allocation
  std::vector<Allocation> allocations;
  Timestamp created_at = 0, updated_at = 0, reservation_expires_at = 0;
  std::int64_t version = 1;
  // Lifecycle
  std::string payment_status = payment_status::kNone;
  std::string payment_id;  // the gateway's id of the authorisation
  std::int64_t authorized_minor = 0, captured_minor = 0, refunded_minor = 0;
  // Refunds requested and not yet answered by the gateway: what may still be
  // refunded is captured - refunded - refund_pending.
  std::int64_t refund_pending_minor = 0;
  std::string carrier, tracking, cancel_reason;
  // Integrations
  std::string organization_id;  // an ERP's organisation (ERP orders: external_id is the ERP's order id)
  WmsSync wms;
};

struct PlaceContext {
  const std::map<std::string, Product>* products = nullptr;  // by sku, at least the requested ones
  std::vector<Candidate> candidates;                          // active locations with availability
  GeoPoint ship_to;
  Timestamp now = 0;
  std::int64_t reservation_ttl_ms = 30 * 60 * 1000;
  AllocationPolicy policy;
  std::function<std::string()> next_reservation_id;
  std::string initial_status = status::kPending;  // the workflow's initial status
};

// A call to another system that a change needs: the engine writes it as a
// durable job in the same transaction. Its idempotency key towards the other
// system is order_id + ":" + step, so a retried call never acts twice.
struct JobRequest {
  std::string kind;  // "payment.charge", "payment.void", "payment.refund", "wms.push", …
  std::string order_id;
  std::string step;  // unique per order and call, e.g. "charge", "refund-2"
  std::vector<std::pair<std::string, EventValue>> payload;
};

struct Change {
  std::vector<StockDelta> deltas;
  std::vector<Event> events;
  std::vector<JobRequest> jobs;
};

struct Placement {
  Order order;
  std::vector<Reservation> reservations;
  Change change;
};

// Prices the lines from the catalogue, allocates, and reserves every line or
// none: kInvalidArgument for unknown SKUs or another currency,
// kFailedPrecondition "insufficient-stock" with the shortfall per SKU.
Result<Placement> PlaceOrder(const OrderRequest& request, std::string order_id, const PlaceContext& ctx);

// Whether PlaceOrder's outcome owes nothing to how much stock the locations
// other than the chosen one hold: the whole order went to one location, and
// every active location ranked before it (nearer; on a tie, the smaller id)
// keeps none of some line's SKU (`keeps(location_id, sku)`: it has a stock
// row). A split, a rejection for stock, or a nearer location passed over for
// its amounts each depend on those amounts. A writer that decided on amounts
// it may have wrong (a node's cache) keeps only such placements, and checks
// that the chosen rows still hold enough when it writes.
bool AmountsElsewhereDidNotDecide(const Order& placed, const std::vector<Location>& locations,
                                  const std::function<bool(const std::string&, const std::string&)>& keeps);

// Cancel and ExpireOrder (domain/order/lifecycle.h) under the default
// workflow, for callers that do not load the configured one yet. Defined in
// lifecycle.cpp.
Result<Change> CancelOrder(Order& order, std::vector<Reservation>& reservations, const std::string& reason,
                           Timestamp now);
Change ExpireOrder(Order& order, std::vector<Reservation>& reservations, Timestamp now);

}  // namespace ordo::domain

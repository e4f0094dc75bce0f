// The two-phase stock ledger (after TigerBeetle's pending transfers).
//
// Per (location, sku): on_hand and reserved; available = on_hand - reserved.
// An order's reservation is *pending* until it resolves exactly once:
//   committed (shipped: on_hand and reserved both drop),
//   released  (cancel, payment failure: reserved drops),
//   expired   (TTL passed while pending: reserved drops).
// Invariant: 0 <= reserved <= on_hand. Everything here is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "domain/event.h"

namespace ordo::domain {

constexpr std::int64_t kMaxQuantity = 1'000'000'000;  // any on_hand or reserved stays below

struct StockLevel {
  std::string location_id;
  std::string sku;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t version = 0;  // bumps with every change; for compare-and-set readers

  std::int64_t available() const { return on_hand - reserved; }
};

// A change to one stock row; the engine sums them per row for a batch.
struct StockDelta {
  std::string location_id;
  std::string sku;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
};

enum class ReservationState { kPending, kCommitted, kReleased, kExpired };
const char* ToString(ReservationState state);
bool ParseReservationState(std::string_view text, ReservationState* out);

struct Reservation {
  std::string id;
  std::string order_id;
  std::string location_id;
  std::string sku;
  std::int64_t quantity = 0;
  ReservationState state = ReservationState::kPending;
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
  Timestamp resolved_at = 0;  // 0 while pending
};

// Moves a pending reservation to `to` (never back to pending) and returns the
// stock change that goes with it plus its event. A second resolution fails
// with kFailedPrecondition: a reservation resolves exactly once.
struct Resolution {
  StockDelta delta;
  Event event;
};
Result<Resolution> Resolve(Reservation& reservation, ReservationState to, Timestamp now);

// Absolute set with optional compare-and-set on the current on_hand.
// `current` is nullopt when the row does not exist yet.
Result<StockLevel> SetOnHand(const std::optional<StockLevel>& current, const std::string& location_id,
                             const std::string& sku, std::int64_t on_hand,
                             std::optional<std::int64_t> expected_on_hand);

// Relative change; on_hand may not fall below what is reserved.
Result<StockLevel> Adjust(const std::optional<StockLevel>& current, const std::string& location_id,
                          const std::string& sku, std::int64_t delta);

}  // namespace ordo::domain

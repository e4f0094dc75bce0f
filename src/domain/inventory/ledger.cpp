#include "domain/inventory/ledger.h"

#include <string_view>

namespace ordo::domain {

const char* ToString(ReservationState s) {
  switch (s) {
    case ReservationState::kPending: return "pending";
    case ReservationState::kCommitted: return "committed";
    case ReservationState::kReleased: return "released";
    case ReservationState::kExpired: return "expired";
  }
  return "pending";
}

bool ParseReservationState(std::string_view t, ReservationState* out) {
  if (t == "pending") *out = ReservationState::kPending;
  else if (t == "committed") *out = ReservationState::kCommitted;
  else if (t == "released") *out = ReservationState::kReleased;
  else if (t == "expired") *out = ReservationState::kExpired;
  else return false;
  return true;
}

Result<Resolution> Resolve(Reservation& r, ReservationState to, Timestamp now) {
  if (to == ReservationState::kPending) return Error::Internal("a reservation cannot return to pending");
  if (r.state != ReservationState::kPending)
    return Error::Precondition("reservation-resolved",
                               "reservation " + r.id + " is already " + ToString(r.state));
  r.state = to;
  r.resolved_at = now;
  Resolution out;
  out.delta = {r.location_id, r.sku, to == ReservationState::kCommitted ? -r.quantity : 0, -r.quantity};
  out.event.type = std::string("reservation.") + ToString(to);
  out.event.order_id = r.order_id;
  out.event.With("reservation_id", r.id)
      .With("location_id", r.location_id)
      .With("sku", r.sku)
      .With("quantity", r.quantity);
  return out;
}

Result<StockLevel> SetOnHand(const std::optional<StockLevel>& current, const std::string& location_id,
                             const std::string& sku, std::int64_t on_hand,
                             std::optional<std::int64_t> expected) {
  if (on_hand < 0 || on_hand > kMaxQuantity)
    return Error::Invalid("/on_hand", "on_hand must be a whole number from 0 to 1000000000");
  StockLevel next = current.value_or(StockLevel{location_id, sku, 0, 0, 0});
  if (expected && *expected != next.on_hand) {
    Error e = Error::Conflict("stock-version-mismatch",
                              "on_hand is " + std::to_string(next.on_hand) + ", not the expected " +
                                  std::to_string(*expected));
    e.pointer = "/expected_on_hand";
    return e;
  }
  if (on_hand < next.reserved) {
    Error e = Error::Precondition("stock-below-reserved",
                                  "on_hand " + std::to_string(on_hand) + " is below the " +
                                      std::to_string(next.reserved) + " units reserved");
    e.pointer = "/on_hand";
    return e;
  }
  next.on_hand = on_hand;
  ++next.version;
  return next;
}

Result<StockLevel> Adjust(const std::optional<StockLevel>& current, const std::string& location_id,
                          const std::string& sku, std::int64_t delta) {
  if (delta == 0 || delta > kMaxQuantity || delta < -kMaxQuantity)
    return Error::Invalid("/delta", "delta must be a non-zero whole number within ±1000000000");
  StockLevel next = current.value_or(StockLevel{location_id, sku, 0, 0, 0});
  std::int64_t on_hand = next.on_hand + delta;
  if (on_hand > kMaxQuantity) return Error::Invalid("/delta", "on_hand would exceed 1000000000");
  if (on_hand < next.reserved) {
    Error e = Error::Precondition("stock-below-reserved",
                                  "the adjustment would leave on_hand " + std::to_string(on_hand) +
                                      " below the " + std::to_string(next.reserved) + " units reserved");
    e.pointer = "/delta";
    return e;
  }
  next.on_hand = on_hand;
  ++next.version;
  return next;
}

}  // namespace ordo::domain

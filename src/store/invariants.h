// The invariants `ordo check` verifies, as SQL that both dialects run. Each
// query returns one row per violation, its first column the detail. Only the
// check that reads JSON order bodies differs per dialect (the adapters add it).
#pragma once

namespace ordo::store {

struct InvariantCheck {
  const char* name;
  const char* sql;
};

inline constexpr InvariantCheck kStockWithinBounds = {
    "0 <= reserved <= on_hand",
    "SELECT location_id || '/' || sku || ' on_hand=' || on_hand || ' reserved=' || reserved FROM stock"
    " WHERE reserved < 0 OR reserved > on_hand OR on_hand < 0"};

inline constexpr InvariantCheck kReservedIsPendingSum = {
    "reserved = sum of pending reservations",
    "SELECT s.location_id || '/' || s.sku || ' reserved=' || s.reserved || ' pending=' || COALESCE(p.q, 0)"
    " FROM stock s LEFT JOIN (SELECT location_id, sku, SUM(quantity) AS q FROM reservations WHERE state = 'pending'"
    " GROUP BY location_id, sku) p ON p.location_id = s.location_id AND p.sku = s.sku"
    " WHERE s.reserved <> COALESCE(p.q, 0)"
    " UNION ALL SELECT r.location_id || '/' || r.sku || ' has pending reservations but no stock row'"
    " FROM reservations r LEFT JOIN stock s ON s.location_id = r.location_id AND s.sku = r.sku"
    " WHERE r.state = 'pending' AND s.sku IS NULL"};

// `lines_cte` is the dialect's `l(order_id, sku, q)`: one row per order line.
#define ORDO_RESERVATIONS_MATCH_LINES(lines_cte)                                                          \
  "WITH " lines_cte ","                                                                                   \
  " r AS (SELECT order_id, sku, SUM(quantity) AS q FROM reservations GROUP BY order_id, sku)"             \
  " SELECT l.order_id || '/' || l.sku || ' line=' || l.q || ' reserved=' || COALESCE(r.q, 0) FROM l"      \
  " LEFT JOIN r ON r.order_id = l.order_id AND r.sku = l.sku WHERE COALESCE(r.q, 0) <> l.q"               \
  " UNION ALL SELECT r.order_id || '/' || r.sku || ' reserved without a line' FROM r"                     \
  " LEFT JOIN l ON l.order_id = r.order_id AND l.sku = r.sku WHERE l.sku IS NULL"
inline constexpr const char* kReservationsMatchLinesName = "reservations match order lines";

inline constexpr InvariantCheck kClosedOrdersHoldNothing = {
    "closed orders hold no pending reservation",
    "SELECT o.id || ' is ' || o.status || ' with pending reservation ' || r.id FROM orders o"
    " JOIN reservations r ON r.order_id = o.id AND r.state = 'pending'"
    " WHERE o.status IN ('cancelled', 'expired', 'failed')"};

inline constexpr const char* kEventsGapFreeName = "event sequence has no gaps";
#define ORDO_EVENTS_GAP_FREE_SQL                                                                          \
  "SELECT 'events: count=' || COUNT(*) || ' min=' || COALESCE(MIN(seq), 0) || ' max=' || COALESCE(MAX(seq), 0)" \
  " FROM events HAVING COUNT(*) > 0 AND (MIN(seq) <> 1 OR MAX(seq) <> COUNT(*))"

}  // namespace ordo::store

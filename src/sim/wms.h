// The simulated warehouse system (WMS). Ordo pushes it orders; it moves each
// accepted order on a timer through picked → packed → shipped → delivered,
// `wms_step_ms` apart (chaos.h), and tells Ordo of every step with a signed
// callback. It answers problem+json (RFC 9457), like Ordo.
//
// POST /wms/v1/orders                       Ordo pushes an order:
//   {"order_id":    "ord_…",                Ordo's order id (1–255 characters): a repeat push of an
//                                            order_id never creates a second WMS order
//    "external_id": "…",                    optional
//    "warehouse":   "hamburg-dc",           the location that fulfils it
//    "ship_to":     {"name", "line1", "city", "postal_code",
//                    "country": "DE",       ISO 3166-1 alpha-2
//                    "phone"?},
//    "lines":       [{"sku": "SKU-0001", "quantity": 2}, …]}   1–500 lines, quantity 1–1,000,000
//   Idempotency-Key (optional, ≤ 255): a key already used for another order_id → 422 idempotency-key-reused.
//   → 201 {"wms_order_id": "wms_…", "status": "accepted", "order_status": "accepted"} a new order
//   → 200 the same wms_order_id for a repeat push (Idempotent-Replayed: true); order_status is where it is now
//   → 400 malformed JSON · 422 a field is wrong (errors[0].pointer names it); nothing stored
//   → 503 (knob wms_failure_pct) or 504 after hang_ms (hang_pct): nothing stored. latency_ms delays every answer.
// POST /wms/v1/orders/{order_id}/cancel     {"reason"?}: an order not yet shipped becomes cancelled (and a
//                                            callback goes out); → 200 the order; again → 200, nothing new;
//                                            409 already-shipped; 404; 503 as for a push
// GET  /wms/v1/orders/{order_id}            {order_id, wms_order_id, external_id?, warehouse, status,
//                                            carrier?, tracking?, created_at, updated_at} · 404
// GET  /wms/v1/orders?limit=&cursor=        {"items": [...], "next_cursor": "…"|null}, in the order accepted
// GET  /wms/v1/stats                        pushes and callbacks counted (see Stats)
// GET  /wms/v1/config · PUT /wms/v1/config  {"callback_url"?, "secret"?, "api_key"?} (GET shows no secrets)
//
// The callback: POST {callback_url}, e.g. http://127.0.0.1:8080/v1/integrations/wms/events, with
//   {"event_id": "wmsevt_…", "order_id", "wms_order_id",
//    "status": "picked"|"packed"|"shipped"|"delivered"|"cancelled",
//    "carrier", "tracking",                 from shipped on
//    "occurred_at": "2026-11-23T10:00:00.123Z"}
// and the headers webhook-id (= event_id), webhook-timestamp and webhook-signature (Standard Webhooks,
// with the WMS secret), plus "Authorization: Bearer <api_key>" when a key is set. kCallbackSenders
// threads send them, each order's always from the same one, in order (as a WMS with many orders in
// flight would); an attempt that fails (no answer, non-2xx) is retried (outbound.h: 5 attempts, 100 ms
// doubling), then the callback is given up: Ordo's reconciliation reads GET /wms/v1/orders instead.
// Chaos: callback_drop_pct (never sent; the order still moves on), callback_duplicate_pct (sent twice,
// same event_id), callback_reorder_pct (held back and sent after the next step's callback).
// Test values, like a card network's test cards (Ordo's demo order generator uses them): an order whose
// external_id contains "wms-fail-<n>" has its first n pushes answered 503 (then it is accepted), and one
// whose external_id contains "drop-callbacks" has its shipped and delivered callbacks dropped.
//
// Thread-safe. Orders outlive a Stop and a later Start; Stop only pauses the timer and the sender.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "http/router.h"
#include "sim/chaos.h"
#include "sim/delayer.h"
#include "sim/outbound.h"
#include "sim/timed_queue.h"

namespace ordo::sim {

// "whsec_" + base64("ordo-sim-wms-secret").
std::string DefaultWmsSecret();

// Callbacks of different orders go out at once from this many threads.
inline constexpr int kCallbackSenders = 8;

class Wms {
 public:
  // `callback.secret` empty: DefaultWmsSecret(). `callback.url` empty: no callbacks (counted as unsent).
  Wms(Chaos& chaos, Delayer& delayer, Peer callback);
  ~Wms();  // Stop()
  Wms(const Wms&) = delete;
  Wms& operator=(const Wms&) = delete;

  void Register(http::Router& router);
  // The step timer and the callback sender.
  void Start();
  void Stop();
  // Forgets every order, every callback not yet sent and the counts.
  void Reset();
  Peer callback() const;

 private:
  struct Order {
    std::string order_id;
    std::string wms_order_id;
    std::string external_id;
    std::string warehouse;
    std::string status;  // accepted | picked | packed | shipped | delivered | cancelled
    std::string carrier;
    std::string tracking;
    Timestamp created_at = 0;
    Timestamp updated_at = 0;
  };
  // Pushes answered 503 so far, per order whose external_id asks for failures.
  std::map<std::string, int> forced_failures_;
  struct Callback {
    std::string wms_order_id;  // which sender: an order's callbacks go out one after another
    std::string event_id;
    std::string body;
    int attempt = 1;
  };
  struct Stats {
    std::int64_t pushes_received = 0;   // every POST /wms/v1/orders
    std::int64_t pushes_accepted = 0;   // 201
    std::int64_t pushes_duplicate = 0;  // 200: an order_id already here
    std::int64_t pushes_rejected = 0;   // 400, 422
    std::int64_t pushes_failed = 0;     // 503, 504 (chaos)
    std::int64_t cancels = 0;           // orders cancelled
    std::int64_t cancels_failed = 0;    // 503, 504 (chaos)
    std::int64_t callbacks_sent = 0;    // answered 2xx (a duplicate counts twice)
    std::int64_t callbacks_failed = 0;  // given up after every attempt failed
    std::int64_t callback_attempts_failed = 0;
    std::int64_t callbacks_dropped = 0;
    std::int64_t callbacks_duplicated = 0;
    std::int64_t callbacks_reordered = 0;
    std::int64_t callbacks_unsent = 0;  // no callback_url configured
  };

  void Push(const http::Request& request, http::Respond respond);
  void Cancel(const http::Request& request, http::Respond respond);
  // A push or cancel: the outage and hang knobs first, then `apply`, answered after latency_ms.
  void Write(const http::Request& request, http::Respond respond,
             http::Response (Wms::*apply)(const http::Request&), std::int64_t Stats::*failed);
  http::Response DoPush(const http::Request& request);
  http::Response DoCancel(const http::Request& request);
  // The timer: moves the order one step on and schedules the next.
  void Step(const std::string& wms_order_id);
  // Under mu_: the callback of the order's new status, through the chaos knobs.
  void Emit(const Order& order);
  void Send(Callback callback);
  Order* Find(const std::string& order_id);
  static nlohmann::json ToJson(const Order& order);
  nlohmann::json StatsJson() const;

  Chaos& chaos_;
  Delayer& delayer_;
  SystemClock clock_;
  IdGenerator ids_;
  mutable std::mutex mu_;
  Peer callback_;
  std::vector<Order> orders_;                       // in the order accepted
  std::map<std::string, std::size_t> by_order_id_;  // → orders_
  std::map<std::string, std::size_t> by_wms_id_;    // → orders_
  std::map<std::string, std::string> keys_;         // Idempotency-Key → order_id
  std::map<std::string, std::vector<Callback>> held_;  // wms_order_id → a callback (and its duplicate) held back
  Stats stats_;
  std::uint64_t shipments_ = 0;                     // numbers the tracking codes
  TimedQueue<std::string> steps_;                   // wms_order_ids due for their next step
  // One queue per sender thread; an order's callbacks are in Outbox(its wms_order_id).
  std::vector<std::unique_ptr<TimedQueue<Callback>>> outboxes_;
  TimedQueue<Callback>& Outbox(const std::string& wms_order_id);
};

}  // namespace ordo::sim

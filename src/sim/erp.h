// The simulated ERP. It sends orders to Ordo at a set rate, in seed 000's
// format (Fulfil's), and keeps its own view of each order's state, updated
// from Ordo's outgoing webhooks. It answers problem+json (RFC 9457).
//
// POST /erp/v1/runs            start sending:
//   {"rate": orders/s (0 < rate ≤ 10,000), "count": new orders (1–1,000,000),
//    "duplicate_pct"?: 0–100 (0), "skus"?: ["SKU-0001", …] (SKU-0001 … SKU-0060, the demo catalogue),
//    "organization_id"?: "org-sim", "max_quantity"?: 1–1,000 (3), "concurrency"?: 1–32 (4)}
//   → 201 the run · 409 run-in-progress · 409 not-configured (no ordo_url) · 422 naming the field
// GET  /erp/v1/runs/current    → the run (the last one started) · 404:
//   {id, state: running|finished|stopped, rate, count, duplicate_pct, organization_id, max_quantity,
//    concurrency, orders (new orders sent), sent (sends begun, re-sends included; = accepted +
//    duplicates + rejected + errors + in_flight), duplicates_sent, accepted (201), duplicates (200),
//    rejected (4xx), errors (no answer or 5xx after every retry), retries, in_flight, started_at, finished_at?}
// POST /erp/v1/runs/stop       → 200 the run, stopped (a finished run stays finished) · 404
// GET  /erp/v1/orders?limit=&cursor=  → {"items": [order…], "next_cursor"}, in the order first sent
// GET  /erp/v1/orders/{erp_order_id} → {erp_order_id, organization_id, ordo_order_id (null until known),
//    status, sends, last_http_status, last_error?, last_event_type?, run_id, updated_at} · 404
// POST /erp/v1/ordo-events     Ordo's webhooks (jobs/webhook_handler.cpp: {"type", "timestamp",
//    "data": {"order_id", …}}), Standard Webhooks signed with the simulator's webhook secret
//    (receiver.h) → 204 (also for orders this ERP never sent) · 401 invalid signature · 400 not JSON
// GET  /erp/v1/stats           {orders, events_received, events_applied, events_unmatched, events_refused}
// GET  /erp/v1/config · PUT /erp/v1/config  {"ordo_url"?, "secret"?, "api_key"?} (GET shows no secrets)
//
// What goes to Ordo: POST {ordo_url}/v1/integrations/erp/orders,
//   {"erpOrderId": "SO-<run>-000001", "organizationId", "channelId": "erp-sim",
//    "deliveryAddress": {"name", "address1", "city", "zip", "countryCode", "subdivisionCode", "phone"},
//    "lines": [{"id": 1, "product": {"id", "name", "code": <sku>, "hsCode"}, "quantity",
//               "currency": "EUR", "unitCustomsValue": 25.5}]}
// with webhook-id (a new msg_… per send, the same on its retries), webhook-timestamp, webhook-signature
// (the ERP secret) and "Authorization: Bearer <api_key>" when a key is set. Addresses are real European
// cities. Each new order is sent once; once a send of a new order is answered, with probability
// duplicate_pct an order already answered (one at random) is sent again, the identical body. Sends are
// paced at `rate` over `concurrency` threads. No answer, 5xx, 408 or 429 is retried with the same body
// (outbound.h), then counted an error. Ordo's order id is the answer's "id".
//
// An order's status in the view: "sent" until answered (and after errors: the outcome is unknown),
// "accepted" (201 or 200) or "rejected" (4xx); then Ordo's status from its webhooks: data.status, else
// data.to (order.status_changed), else the type (order.paid → paid, workflow.<status> → <status>).
// An event with a timestamp older than the last one applied changes nothing.
//
// Thread-safe. Orders outlive a Stop; Stop ends the run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "http/router.h"
#include "sim/chaos.h"
#include "sim/outbound.h"

namespace ordo::sim {

// "whsec_" + base64("ordo-sim-erp-secret").
std::string DefaultErpSecret();

class Erp {
 public:
  // `ordo.url`: Ordo's base URL; `ordo.secret` empty: DefaultErpSecret(). `webhook_secret` gives the
  // secret Ordo's webhooks are checked with, at each delivery.
  Erp(Chaos& chaos, Peer ordo, std::function<std::string()> webhook_secret);
  ~Erp();  // Stop()
  Erp(const Erp&) = delete;
  Erp& operator=(const Erp&) = delete;

  void Register(http::Router& router);
  // Ends the run, waiting for the sends under way.
  void Stop();
  // Stop, and forget every order, run and count.
  void Reset();
  Peer ordo() const;

 private:
  struct Order {
    std::string erp_order_id;
    std::string organization_id;
    std::string run_id;
    std::string body;  // as first sent; every re-send is the identical text
    std::string ordo_order_id;
    std::string status;
    int sends = 0;
    int last_http_status = 0;
    std::string last_error;
    std::string last_event_type;
    std::string last_event_at;  // the "timestamp" of the last event applied (RFC 3339, compares as text)
    Timestamp updated_at = 0;
  };
  struct Run {
    std::string id;
    std::string token;  // in its erpOrderIds
    double rate = 1;
    std::int64_t count = 0;
    int duplicate_pct = 0;
    std::vector<std::string> skus;
    std::string organization_id;
    int max_quantity = 3;
    int concurrency = 4;
    std::string state = "running";  // running | finished | stopped
    Timestamp started_at = 0;
    Timestamp finished_at = 0;
    std::chrono::steady_clock::time_point start;
    std::mt19937_64 rng;
    // Progress.
    std::int64_t orders = 0, sent = 0, duplicates_sent = 0, accepted = 0, duplicates = 0, rejected = 0,
                 errors = 0, retries = 0, in_flight = 0;
    std::int64_t slots = 0;           // sends paced so far
    std::int64_t first_in_flight = 0;  // new orders whose first send is unanswered
    std::vector<std::size_t> answered;  // orders_ whose first send is answered: what may be re-sent
    std::vector<std::size_t> resends;   // re-sends due
    int workers_left = 0;
    bool stop = false;
  };
  struct Stats {
    std::int64_t events_received = 0, events_applied = 0, events_unmatched = 0, events_refused = 0;
  };

  http::Response StartRun(const http::Request& request);
  http::Response StopRun(const http::Request& request);
  http::Response OrdoEvent(const http::Request& request);
  void Work(Run* run);
  // Under mu_: a new order of the run, in orders_.
  std::size_t NewOrder(Run& run);
  // Under mu_: the answer to one send.
  void Record(Run& run, std::size_t index, const integrations::HttpResponse& response);
  static nlohmann::json ToJson(const Run& run);
  static nlohmann::json ToJson(const Order& order);

  Chaos& chaos_;
  std::function<std::string()> webhook_secret_;
  SystemClock clock_;
  IdGenerator ids_;
  std::mutex control_mu_;  // starting and stopping runs, one at a time
  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  Peer ordo_;
  std::vector<Order> orders_;                      // in the order first sent
  std::map<std::string, std::size_t> by_erp_id_;   // → orders_
  std::map<std::string, std::size_t> by_ordo_id_;  // → orders_
  std::unique_ptr<Run> run_;                       // the last run started
  std::vector<std::thread> workers_;               // of run_, joined by the next start or Stop
  Stats stats_;
};

}  // namespace ordo::sim

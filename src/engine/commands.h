// Commands: what the write path accepts. Each is parsed and validated by the
// caller (http), then executed by the sequencer inside a batch transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "domain/catalog/catalog.h"
#include "domain/inventory/ledger.h"
#include "domain/order/order.h"

namespace ordo::engine {

struct PutProduct {
  domain::Product product;
};
struct PutLocation {
  domain::Location location;
};
struct SetStock {
  std::string location_id, sku;
  std::int64_t on_hand = 0;
  std::optional<std::int64_t> expected_on_hand;
};
struct AdjustStock {
  std::string location_id, sku;
  std::int64_t delta = 0;
  std::string reason;
};
struct PlaceOrder {
  domain::OrderRequest request;
  domain::GeoPoint ship_to;  // resolved before submission (PrepareOrder)
};
struct CancelOrder {
  std::string order_id;
  std::string reason;
};
struct ExpireReservations {};
struct PruneIdempotency {};

using CommandBody = std::variant<PutProduct, PutLocation, SetStock, AdjustStock, PlaceOrder, CancelOrder,
                                 ExpireReservations, PruneIdempotency>;

struct Meta {
  std::string correlation_id;  // request id or traceparent trace id
  std::string causation_id;    // what caused this command (the request id, a timer)
  std::string principal = "anonymous";
  std::string idempotency_key;  // empty = none
  std::string request_hash;     // of method, path and body; with a key
};

// What a command produced.
struct Outcome {
  using Value = std::variant<std::monostate, domain::Product, domain::Location, domain::StockLevel, domain::Order,
                             std::int64_t>;
  Result<Value> result = Value{};
  bool created = false;  // a new resource (201)
};

// The rendered answer. Rendering happens inside the transaction so that the
// exact bytes can be stored for idempotent replay in the same commit.
struct Reply {
  int status = 200;
  std::string body;
  bool replayed = false;
  std::vector<std::pair<std::string, std::string>> headers;  // not stored for replay
};

using Renderer = std::function<Reply(const Outcome&)>;

// How a command ended: an outcome still to be rendered, or (with an
// Idempotency-Key) the reply that was stored with the commit.
struct Completion {
  Outcome outcome;
  std::optional<Reply> reply;

  Reply Render(const Renderer& render) const { return reply ? *reply : render(outcome); }
};

struct Command {
  CommandBody body;
  Meta meta;
  // Called inside the batch only when the reply must be stored (Idempotency-Key);
  // otherwise the caller renders after the commit, off the writer thread.
  Renderer render;
  std::function<void(Completion)> done;  // writer thread, after the commit; must not block
};

}  // namespace ordo::engine

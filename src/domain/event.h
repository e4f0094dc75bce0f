// A domain event: what changed, as plain values. The engine stamps sequence,
// id, time, correlation and causation, and the store serialises it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ordo::domain {

using EventValue = std::variant<std::int64_t, std::string, bool>;

struct Event {
  std::string type;      // "order.created", "reservation.released", "stock.set", …
  std::string order_id;  // the order's timeline it belongs to; empty for stock-only events
  std::vector<std::pair<std::string, EventValue>> data;

  Event& With(std::string key, EventValue value) {
    data.emplace_back(std::move(key), std::move(value));
    return *this;
  }
};

}  // namespace ordo::domain

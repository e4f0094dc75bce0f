// JSON encodings of the parts of rows that are documents (order bodies, event
// data). Shared by every adapter so that both store the same shapes.
#pragma once

#include <string>

#include "base/result.h"
#include "domain/event.h"
#include "domain/order/order.h"

namespace ordo::store {

// lines, shipping_address, ship_to and allocations of an order.
std::string EncodeOrderBody(const domain::Order& order);
Status DecodeOrderBody(const std::string& body, domain::Order& order);

std::string EncodeEventData(const domain::Event& event);
// A flat JSON object of plain values (event data, job payloads).
std::string EncodeValues(const std::vector<std::pair<std::string, domain::EventValue>>& values);

}  // namespace ordo::store

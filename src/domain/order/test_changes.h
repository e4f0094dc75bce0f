// Test helpers: what a decision's Change holds, by event type. For the
// domain's unit tests only.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "domain/order/order.h"

namespace ordo::domain::test {

// The types of the change's events, in order.
inline std::vector<std::string> Types(const Change& c) {
  std::vector<std::string> out;
  for (const Event& e : c.events) out.push_back(e.type);
  return out;
}

// The first event of this type, or null.
inline const Event* FindEvent(const Change& c, const std::string& type) {
  for (const Event& e : c.events)
    if (e.type == type) return &e;
  return nullptr;
}

}  // namespace ordo::domain::test

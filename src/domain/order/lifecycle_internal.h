// The building blocks of the lifecycle decisions (lifecycle.cpp), shared with
// the other decisions that move orders along the workflow (wms.cpp). Internal
// to the domain: callers outside it use lifecycle.h and wms.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "domain/order/order.h"
#include "domain/workflow/workflow.h"

namespace ordo::domain::detail {

using EventData = std::vector<std::pair<std::string, EventValue>>;

// A decimal string of `minor` in the order's currency.
std::string Amount(const Order& order, std::int64_t minor);
// The version the order has once the change being built is applied.
std::string NextVersion(const Order& order);
Event OrderEvent(const Order& order, std::string type);
Error InvalidTransition(const Order& order, const std::string& to);

// Moves the order along an allowed edge into `to`, applies the target's
// effect and queues its actions, appending to `change`. Moving to the status
// the order is in does nothing. Everything is checked before anything changes.
// `detail` goes on the effect's event.
Status Move(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow, const std::string& to,
            Timestamp now, const std::string& actor, EventData detail, Change& change);

// One version bump and timestamp per decision that changed something.
Change Finish(Order& order, Change change, Timestamp now);

}  // namespace ordo::domain::detail

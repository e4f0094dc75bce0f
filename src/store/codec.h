// JSON encodings of the parts of rows that are documents (order bodies, event
// data). Shared by every adapter so that both store the same shapes.
#pragma once

#include <string>

#include "base/result.h"
#include "domain/event.h"
#include "domain/order/order.h"
#include "domain/webhook/subscription.h"
#include "domain/workflow/workflow.h"

namespace ordo::store {

// lines, shipping_address, ship_to and allocations of an order.
std::string EncodeOrderBody(const domain::Order& order);
Status DecodeOrderBody(const std::string& body, domain::Order& order);

// `actor`: added as "actor" unless the event names one itself ("" = none).
std::string EncodeEventData(const domain::Event& event, std::string_view actor = {});
// The workflow document, as clients send it and the store keeps it:
// {version?, initial, statuses:[{name, label?, effect?, actions?}], transitions:[[from, to]]}.
// Decoding checks shapes and types (kInvalidArgument with a JSON pointer);
// domain::ValidateWorkflow checks the rules.
std::string EncodeWorkflow(const domain::Workflow& workflow);
Result<domain::Workflow> DecodeWorkflow(const std::string& text);

// The webhook subscriptions document: {"subscriptions":[{id, url, event_types, secret, description, active, created_at}]}.
std::string EncodeSubscriptions(const std::vector<domain::Subscription>& subscriptions);
Result<std::vector<domain::Subscription>> DecodeSubscriptions(const std::string& text);

// A flat JSON object of plain values (event data, job payloads).
std::string EncodeValues(const std::vector<std::pair<std::string, domain::EventValue>>& values,
                         std::string_view actor = {});
// Its inverse (numbers that are not integers, arrays and objects are skipped).
std::vector<std::pair<std::string, domain::EventValue>> DecodeValues(const std::string& text);

}  // namespace ordo::store

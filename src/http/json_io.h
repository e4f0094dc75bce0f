// JSON ↔ domain values for the API: strict parsing (unknown fields, wrong
// types and duplicate keys are refused, naming the field by JSON pointer) and
// rendering of every resource. Money travels as decimal strings.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "domain/catalog/catalog.h"
#include "domain/inventory/ledger.h"
#include "domain/order/order.h"
#include "engine/commands.h"
#include "http/request.h"
#include "store/store.h"

namespace ordo::http {

inline constexpr int kMaxJsonDepth = 32;

// A JSON answer.
Response JsonResponse(int status, const nlohmann::json& body);
// ?limit= of a list: store::kDefaultPageLimit when absent, clamped to
// 1..store::kMaxPageLimit; 422 naming /limit when not a whole number.
Result<int> PageLimit(const Request& request);
// A query parameter used as a filter: an identifier or nothing; 422 naming
// it otherwise (it is bound in SQL, never spliced, but a clean 422 beats a
// confusing empty list).
Result<std::string> QueryFilter(const Request& request, const char* key, std::size_t max = 128);

// Parses a request body as a JSON object. Errors: "malformed-json" (400)
// for syntax, depth beyond kMaxJsonDepth, or duplicate keys; an empty body
// parses as {} when allow_empty.
Result<nlohmann::json> ParseBody(const std::string& body, bool allow_empty);
// A body that must be empty (or {}): 400 when it is not JSON, 422 naming its first field otherwise.
Status ParseEmptyBody(const std::string& body);

Result<domain::Product> ParseProduct(const nlohmann::json& body, const std::string& sku);
Result<domain::Location> ParseLocation(const nlohmann::json& body, const std::string& id);
Result<engine::SetStock> ParseStockSet(const nlohmann::json& body, const std::string& location_id,
                                       const std::string& sku);
Result<engine::AdjustStock> ParseAdjustment(const nlohmann::json& body);
Result<domain::OrderRequest> ParseOrder(const nlohmann::json& body);
Result<engine::CancelOrder> ParseCancel(const nlohmann::json& body, const std::string& order_id);
Result<engine::PayOrder> ParsePay(const nlohmann::json& body, const std::string& order_id);
Result<engine::ShipOrder> ParseShip(const nlohmann::json& body, const std::string& order_id);
// `currency`: the order's, for the decimal amount.
Result<engine::RefundOrder> ParseRefund(const nlohmann::json& body, const std::string& order_id,
                                        const std::string& currency);
Result<engine::SetOrderStatus> ParseStatusChange(const nlohmann::json& body, const std::string& order_id);
// The branding document, normalised: {shop_name, logo_url, colors:{primary, accent, background, text}}.
Result<nlohmann::json> ParseBranding(const nlohmann::json& body);
nlohmann::json ToJson(const store::Job& job);
nlohmann::json ToJson(const store::JobAttempt& attempt);

nlohmann::json ToJson(const domain::Product& p);
nlohmann::json ToJson(const domain::Location& l);
nlohmann::json ToJson(const domain::StockLevel& s);
nlohmann::json ToJson(const domain::Reservation& r);
// Orders are rendered with the streaming writer: they are on the hot path.
std::string OrderJson(const domain::Order& o);
nlohmann::json ToJson(const store::StoredEvent& e);

std::string Dump(const nlohmann::json& j);

}  // namespace ordo::http

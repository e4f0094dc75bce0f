// The simulators' JSON answers. They speak like the outside systems they
// stand for ({"error": "...", ...}), not Ordo's problem+json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/request.h"

namespace ordo::sim {

http::Response Json(int status, const nlohmann::json& body);
// {"error": code, "message": message, "field": field (when given)}.
http::Response Fail(int status, std::string_view code, std::string_view message, std::string_view field = {});
// 400 {"error":"invalid_request","field":…} for a validation error (its pointer names the field).
http::Response Invalid(const Error& error);
// The body as a JSON object; an empty body is {}. Errors: invalid_json (400).
Result<nlohmann::json> ParseObject(std::string_view body);

}  // namespace ordo::sim

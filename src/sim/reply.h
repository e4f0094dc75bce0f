// The simulators' JSON answers. The payment gateway and the control
// endpoints speak like the outside systems they stand for ({"error": "...",
// ...}); the WMS and the ERP, which stand for partners built to Ordo's
// contract, answer problem+json (RFC 9457) like Ordo does.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

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

// application/problem+json for an error: malformed JSON 400, a validation
// error 422 naming the field, not found 404, a conflict 409, unavailable 503.
http::Response Problem(const Error& error, const http::Request& request);
// A problem+json answer with a status and title of its own (401, 504).
http::Response Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
                       const http::Request& request);
http::Response NoContent();

// Field checks; `at` is the JSON pointer of the object holding the field
// ("" for the body itself), so errors name the field wherever it sits.
// Only the allowed fields may appear.
Status OnlyFields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
                  const std::string& at = "");
// A string of 1 to 255 characters, required.
Result<std::string> Text(const nlohmann::json& object, const std::string& name, const std::string& at = "");
// The same, or "" when absent.
Result<std::string> OptionalText(const nlohmann::json& object, const std::string& name, const std::string& at = "");
// An integer from min to max, or `fallback` when absent.
Result<std::int64_t> Integer(const nlohmann::json& object, const std::string& name, std::int64_t min,
                             std::int64_t max, std::int64_t fallback, const std::string& at = "");

// A page of a list kept in insertion order (append-only, so a page never
// shifts): `cursor` is an opaque position, `limit` 1–200 (50 by default,
// clamped like Ordo's). Errors name the query parameter.
struct Page {
  std::size_t offset = 0;
  std::size_t limit = 50;
};
Result<Page> ParsePage(const http::Request& request);
// {"items": [to_json(item)…], "next_cursor": "…" | null}.
template <typename T, typename ToJson>
nlohmann::json PageOf(const std::vector<T>& all, const Page& page, ToJson&& to_json) {
  nlohmann::json items = nlohmann::json::array();
  std::size_t end = page.offset;
  for (; end < all.size() && end - page.offset < page.limit; ++end) items.push_back(to_json(all[end]));
  return {{"items", std::move(items)},
          {"next_cursor", end < all.size() ? nlohmann::json(std::to_string(end)) : nlohmann::json(nullptr)}};
}

}  // namespace ordo::sim

#include "sim/reply.h"

#include <algorithm>
#include <charconv>

#include "http/problem.h"

namespace ordo::sim {

using nlohmann::json;

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response Fail(int status, std::string_view code, std::string_view message, std::string_view field) {
  json body = {{"error", code}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  return Json(status, body);
}

http::Response Invalid(const Error& error) {
  std::string_view field = error.pointer;
  if (!field.empty() && field.front() == '/') field.remove_prefix(1);
  return Fail(400, error.type == "invalid-json" ? "invalid_json" : "invalid_request", error.message, field);
}

Result<json> ParseObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return Error{Code::kInvalidArgument, "invalid-json", "the body is not valid JSON", {}, {}};
  if (!parsed.is_object())
    return Error{Code::kInvalidArgument, "invalid-json", "the body must be a JSON object", {}, {}};
  return parsed;
}

http::Response Problem(const Error& error, const http::Request& request) {
  if (error.type != "invalid-json") return http::ErrorResponse(error, request);
  Error malformed = error;
  malformed.type = "malformed-json";  // 400, like Ordo's own
  return http::ErrorResponse(malformed, request);
}

http::Response Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
                       const http::Request& request) {
  http::Response r = Json(status, {{"type", std::string(http::kProblemBase) + std::string(type)},
                                   {"title", title},
                                   {"status", status},
                                   {"detail", detail},
                                   {"instance", request.path}});
  r.content_type = "application/problem+json";
  return r;
}

http::Response NoContent() {
  http::Response r;
  r.status = 204;
  return r;
}

Status OnlyFields(const json& object, std::initializer_list<std::string_view> allowed, const std::string& at) {
  for (const auto& item : object.items())
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      return Error::Invalid(at + "/" + item.key(), "unknown field " + item.key());
  return Ok();
}

Result<std::string> Text(const json& object, const std::string& name, const std::string& at) {
  auto it = object.find(name);
  if (it == object.end()) return Error::Invalid(at + "/" + name, name + " is required");
  if (!it->is_string() || it->get_ref<const std::string&>().empty() || it->get_ref<const std::string&>().size() > 255)
    return Error::Invalid(at + "/" + name, name + " must be a string of 1 to 255 characters");
  return it->get<std::string>();
}

Result<std::string> OptionalText(const json& object, const std::string& name, const std::string& at) {
  if (!object.contains(name)) return std::string();
  return Text(object, name, at);
}

Result<std::int64_t> Integer(const json& object, const std::string& name, std::int64_t min, std::int64_t max,
                             std::int64_t fallback, const std::string& at) {
  auto it = object.find(name);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max ||
      (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max)))
    return Error::Invalid(at + "/" + name,
                          name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return it->get<std::int64_t>();
}

Result<Page> ParsePage(const http::Request& request) {
  Page page;
  auto number = [](const std::string& text, std::size_t* out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
  };
  if (request.HasQuery("limit")) {
    std::size_t limit = 0;
    if (!number(request.Query("limit"), &limit))
      return Error::Invalid("/limit", "limit must be a non-negative integer");
    page.limit = std::clamp<std::size_t>(limit, 1, 200);
  }
  if (request.HasQuery("cursor") && !number(request.Query("cursor"), &page.offset))
    return Error::Invalid("/cursor", "cursor is not one this list gave out");
  return page;
}

}  // namespace ordo::sim

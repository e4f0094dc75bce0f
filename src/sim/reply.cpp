#include "sim/reply.h"

namespace ordo::sim {

http::Response Json(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response Fail(int status, std::string_view code, std::string_view message, std::string_view field) {
  nlohmann::json body = {{"error", code}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  return Json(status, body);
}

http::Response Invalid(const Error& error) {
  std::string_view field = error.pointer;
  if (!field.empty() && field.front() == '/') field.remove_prefix(1);
  return Fail(400, error.type == "invalid-json" ? "invalid_json" : "invalid_request", error.message, field);
}

Result<nlohmann::json> ParseObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return nlohmann::json::object();
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return Error{Code::kInvalidArgument, "invalid-json", "the body is not valid JSON", {}, {}};
  if (!json.is_object())
    return Error{Code::kInvalidArgument, "invalid-json", "the body must be a JSON object", {}, {}};
  return json;
}

}  // namespace ordo::sim

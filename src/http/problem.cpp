#include "http/problem.h"

#include <nlohmann/json.hpp>

namespace ordo::http {

int StatusFor(const Error& e) {
  if (e.type == "malformed-json" || e.type == "bad-request") return 400;
  if (e.type == "unsupported-media-type") return 415;
  if (e.type == "payload-too-large") return 413;
  if (e.type == "method-not-allowed") return 405;
  switch (e.code) {
    case Code::kInvalidArgument: return 422;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
    case Code::kAborted: return 409;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kResourceExhausted: return 429;
  }
  return 500;
}

namespace {
std::string_view Title(int status, std::string_view type) {
  if (type == "validation") return "The request has invalid fields";
  if (type == "insufficient-stock") return "Not enough stock";
  if (type == "unknown-product") return "The order names a product the catalogue does not have";
  if (type == "invalid-signature") return "The request's signature does not verify";
  if (type == "integration-not-configured") return "This integration is not configured";
  if (type == "idempotency-key-reused") return "Idempotency-Key reused with another request";
  if (type == "idempotency-key-in-flight") return "A request with this Idempotency-Key is still running";
  if (type == "invalid-transition") return "The order cannot move to that status";
  if (type == "stock-below-reserved") return "On-hand stock cannot fall below what is reserved";
  if (type == "stock-version-mismatch") return "The stock changed since you read it";
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Authentication required";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 409: return "Conflict";
    case 413: return "Payload too large";
    case 415: return "Unsupported media type";
    case 422: return "Unprocessable content";
    case 429: return "Too many requests";
    case 431: return "Request header fields too large";
    case 503: return "Service unavailable";
    default: return "Internal error";
  }
}
}  // namespace

std::string ProblemBody(int status, const Error& e, const Request& request) {
  nlohmann::json body = {
      {"type", std::string(kProblemBase) + (e.type.empty() ? "internal" : e.type)},
      {"title", Title(status, e.type)},
      {"status", status},
      // Errors of storage or code never carry their message (it may hold SQL or
      // a driver's text); the logs do. Problems the API words itself keep theirs.
      {"detail", e.code == Code::kInternal || e.code == Code::kUnavailable || (status >= 500 && status != 503)
                     ? (status == 503 ? "the service is temporarily unavailable; retry later" : "an internal error occurred")
                     : e.message},
      {"instance", request.path},
      {"request_id", request.request_id},
  };
  if (!e.pointer.empty()) {
    body["errors"] = {{{"pointer", e.pointer}, {"detail", e.message}}};
    for (const auto& more : e.also) body["errors"].push_back({{"pointer", more.pointer}, {"detail", more.detail}});
  }
  if (!e.shortfalls.empty()) {
    auto& list = body["shortfall"] = nlohmann::json::array();
    for (const auto& s : e.shortfalls)
      list.push_back({{"sku", s.sku}, {"requested", s.requested}, {"available", s.available}});
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response ErrorResponse(const Error& e, const Request& request) {
  Response r;
  r.status = StatusFor(e);
  r.content_type = "application/problem+json";
  r.body = ProblemBody(r.status, e, request);
  return r;
}

Response ProblemResponse(int status, std::string_view type, std::string_view detail, const Request& request,
                         std::string_view pointer) {
  Error e{Code::kInvalidArgument, std::string(type), std::string(detail), std::string(pointer), {}};
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = ProblemBody(status, e, request);
  return r;
}

}  // namespace ordo::http

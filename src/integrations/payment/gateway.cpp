#include "integrations/payment/gateway.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "integrations/http_client.h"

namespace ordo::integrations::payment {
namespace {

using nlohmann::json;
using Kind = CallResult::Kind;

bool ReadPayment(const json& j, Payment& p) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return false;
  p.id = j["id"].get<std::string>();
  p.status = j.value("status", "");
  p.amount = j.value("amount", std::int64_t{0});
  p.captured = j.value("captured", std::int64_t{0});
  p.refunded = j.value("refunded", std::int64_t{0});
  p.currency = j.value("currency", "");
  return true;
}

std::string PercentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

const char* ToString(CallResult::Kind kind) {
  switch (kind) {
    case Kind::kOk: return "ok";
    case Kind::kDeclined: return "declined";
    case Kind::kRejected: return "rejected";
    case Kind::kTransient: return "transient";
    case Kind::kUnknown: return "unknown";
  }
  return "unknown";
}

CallResult Gateway::Call(const std::string& method, const std::string& path, const std::string& body,
                         const std::string& key) const {
  HttpRequest req{method, base_ + path, {}, body, timeout_ms_};
  if (!key.empty()) req.headers.emplace_back("Idempotency-Key", key);
  HttpResponse res = Send(req);
  CallResult out;
  out.http_status = res.status;
  if (res.status == 0) {
    out.kind = res.sent ? Kind::kUnknown : Kind::kTransient;
    out.error = (res.timed_out ? "timeout: " : "transport: ") + res.error;
    return out;
  }
  json j = json::parse(res.body, nullptr, false);
  if (res.status >= 500 || res.status == 429) {
    out.kind = Kind::kTransient;
    out.error = "gateway answered " + std::to_string(res.status);
    return out;
  }
  if (j.is_discarded()) {
    // A 2xx we cannot read may have done what was asked.
    out.kind = res.status < 300 ? Kind::kUnknown : Kind::kRejected;
    out.error = "unreadable answer (HTTP " + std::to_string(res.status) + ")";
    return out;
  }
  if (res.status == 402) {
    out.kind = Kind::kDeclined;
    out.decline_code = j.value("decline_code", j.value("error", "declined"));
    out.error = "declined: " + out.decline_code;
    return out;
  }
  if (res.status >= 400) {
    out.kind = Kind::kRejected;
    out.error = "gateway refused (" + std::to_string(res.status) + "): " + j.value("error", std::string("?"));
    return out;
  }
  out.kind = Kind::kOk;
  if (!ReadPayment(j, out.payment)) {
    out.kind = Kind::kUnknown;
    out.error = "answer without a payment";
  }
  return out;
}

CallResult Gateway::Authorize(std::int64_t amount, const std::string& currency, const std::string& token,
                              const std::string& reference, const std::string& key) const {
  json body = {{"amount", amount}, {"currency", currency}, {"token", token}, {"reference", reference}};
  return Call("POST", "/v1/payments/authorize", body.dump(), key);
}

CallResult Gateway::Capture(const std::string& payment_id, std::int64_t amount, const std::string& key) const {
  return Call("POST", "/v1/payments/" + PercentEncode(payment_id) + "/capture", json{{"amount", amount}}.dump(), key);
}

CallResult Gateway::Void(const std::string& payment_id, const std::string& key) const {
  return Call("POST", "/v1/payments/" + PercentEncode(payment_id) + "/void", "{}", key);
}

CallResult Gateway::Refund(const std::string& payment_id, std::int64_t amount, const std::string& key) const {
  return Call("POST", "/v1/payments/" + PercentEncode(payment_id) + "/refunds", json{{"amount", amount}}.dump(), key);
}

CallResult Gateway::FindByKey(const std::string& authorize_key) const {
  HttpResponse res = Send({"GET", base_ + "/v1/payments?idempotency_key=" + PercentEncode(authorize_key), {}, "",
                           timeout_ms_});
  CallResult out;
  out.http_status = res.status;
  if (res.status != 200) {
    out.kind = Kind::kTransient;  // a lookup changes nothing: always safe to repeat
    out.error = res.status == 0 ? "lookup: " + res.error : "lookup answered " + std::to_string(res.status);
    return out;
  }
  json j = json::parse(res.body, nullptr, false);
  if (!j.is_object() || !j.contains("payments") || !j["payments"].is_array()) {  // {"payments": [...]}
    out.kind = Kind::kTransient;
    out.error = "lookup: unreadable answer";
    return out;
  }
  out.kind = Kind::kOk;
  if (!j["payments"].empty()) ReadPayment(j["payments"].front(), out.payment);
  return out;
}

}  // namespace ordo::integrations::payment

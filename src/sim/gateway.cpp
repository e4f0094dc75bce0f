#include "sim/gateway.h"

#include <algorithm>

#include "sim/reply.h"

namespace ordo::sim {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxAmount = 1'000'000'000'000;  // minor units
constexpr std::size_t kMaxKey = 255;

Result<std::int64_t> Amount(const json& body) {
  auto it = body.find("amount");
  if (it == body.end()) return Error::Invalid("/amount", "amount is required");
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 || it->get<std::int64_t>() > kMaxAmount)
    return Error::Invalid("/amount", "amount must be a positive integer number of minor units");
  return it->get<std::int64_t>();
}

http::Response NotFound(const std::string& id) { return Fail(404, "payment_not_found", "no payment " + id); }

bool Success(const http::Response& r) { return r.status >= 200 && r.status < 300; }

}  // namespace

Gateway::Gateway(Chaos& chaos, Delayer& delayer) : chaos_(chaos), delayer_(delayer) {}

void Gateway::Register(http::Router& router) {
  auto money = [this](Operation operation, bool key_required) {
    return [this, operation, key_required](http::Request& request, http::Respond respond) {
      Money(request, std::move(respond), operation, key_required);
    };
  };
  router.Add("POST", "/v1/payments/authorize", money(&Gateway::Authorize, true));
  router.Add("POST", "/v1/payments/{id}/capture", money(&Gateway::DoCapture, true));
  router.Add("POST", "/v1/payments/{id}/void", money(&Gateway::DoVoid, false));
  router.Add("POST", "/v1/payments/{id}/refunds", money(&Gateway::DoRefund, true));
  router.Add("GET", "/v1/payments/{id}", [this](http::Request& r, http::Respond respond) { respond(Get(r)); });
  router.Add("GET", "/v1/payments", [this](http::Request& r, http::Respond respond) { respond(List(r)); });
  router.Add("GET", "/v1/ledger", [this](http::Request&, http::Respond respond) { respond(Ledger()); });
}

void Gateway::Reset() {
  std::lock_guard lock(mu_);
  payments_.clear();
  by_id_.clear();
  keys_.clear();
}

void Gateway::Money(const http::Request& request, http::Respond respond, Operation operation, bool key_required) {
  const Knobs knobs = chaos_.Get();
  auto send = [&](http::Response response, int delay_ms) {
    delayer_.After(delay_ms, std::move(response), std::move(respond));
  };
  // The dice come first: an outage or a hang happens whatever was asked.
  if (chaos_.Roll(knobs.failure_pct)) {
    return send(chaos_.Coin() ? Fail(503, "service_unavailable", "simulated outage; nothing was applied")
                              : Fail(500, "internal_error", "simulated failure; nothing was applied"),
                knobs.latency_ms);
  }
  if (chaos_.Roll(knobs.hang_pct))
    return send(Fail(504, "gateway_timeout", "simulated hang; nothing was applied"), knobs.hang_ms + knobs.latency_ms);

  const std::string key(request.Header("idempotency-key"));
  if (key.empty() && key_required)
    return send(Fail(400, "missing_idempotency_key", "the Idempotency-Key header is required"), knobs.latency_ms);
  if (key.size() > kMaxKey)
    return send(Fail(400, "invalid_idempotency_key", "the Idempotency-Key is longer than 255 characters"),
                knobs.latency_ms);
  auto body = ParseObject(request.body);
  if (!body) return send(Invalid(body.error()), knobs.latency_ms);

  http::Response response;
  {
    std::lock_guard lock(mu_);
    auto id = request.params.find("id");
    std::string scope = request.route + " " + (id == request.params.end() ? "" : id->second) + " " + key;
    auto stored = key.empty() ? keys_.end() : keys_.find(scope);
    if (stored == keys_.end()) {
      response = (this->*operation)(request, *body);
      // Invalid input and unknown payments decide nothing: the key stays free.
      if (!key.empty() && response.status != 400 && response.status != 404) keys_[scope] = {*body, response};
    } else if (stored->second.request == *body) {
      response = stored->second.response;
      response.headers.emplace_back("Idempotent-Replayed", "true");
    } else {
      response = Fail(422, "idempotency_key_reused", "this Idempotency-Key was used with another body");
    }
  }
  if (Success(response)) {
    if (chaos_.Roll(knobs.drop_after_charge_pct)) {
      response.abort = true;
    } else if (chaos_.Roll(knobs.malformed_pct)) {
      // A truncated body: a strict prefix of a JSON object never parses.
      response.status = 200;
      response.body.resize(response.body.size() / 2);
    }
  }
  send(std::move(response), knobs.latency_ms);
}

http::Response Gateway::Authorize(const http::Request& request, const json& body) {
  if (auto s = OnlyFields(body, {"amount", "currency", "token", "reference"}); !s) return Invalid(s.error());
  auto amount = Amount(body);
  if (!amount) return Invalid(amount.error());
  auto currency = Text(body, "currency");
  if (!currency) return Invalid(currency.error());
  if (currency->size() != 3 || !std::all_of(currency->begin(), currency->end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return Invalid(Error::Invalid("/currency", "currency must be three upper-case letters (ISO 4217)"));
  auto token = Text(body, "token");
  if (!token) return Invalid(token.error());
  auto reference = Text(body, "reference");
  if (!reference) return Invalid(reference.error());

  Payment p;
  p.created_at = clock_.Now();
  p.id = ids_.Next("pay", p.created_at);
  p.amount = *amount;
  p.currency = *currency;
  p.reference = *reference;
  p.idempotency_key = std::string(request.Header("idempotency-key"));
  const bool declined = *token == "tok_decline" || chaos_.Roll(chaos_.Get().decline_pct);
  p.status = declined ? "declined" : "authorized";
  if (declined) p.decline_code = "insufficient_funds";
  by_id_[p.id] = payments_.size();
  payments_.push_back(p);
  if (declined)
    return Json(402, {{"error", "card_declined"},
                      {"decline_code", p.decline_code},
                      {"message", "the card was declined"},
                      {"payment_id", p.id}});
  return Json(201, ToJson(p));
}

http::Response Gateway::DoCapture(const http::Request& request, const json& body) {
  const std::string& id = request.params.at("id");
  Payment* p = Find(id);
  if (!p) return NotFound(id);
  if (auto s = OnlyFields(body, {"amount"}); !s) return Invalid(s.error());
  std::int64_t amount = p->amount;
  if (body.contains("amount")) {
    auto given = Amount(body);
    if (!given) return Invalid(given.error());
    amount = *given;
  }
  if (p->status == "declined") return Fail(409, "payment_declined", "a declined payment cannot be captured");
  if (p->status == "voided") return Fail(409, "payment_voided", "a voided payment cannot be captured");
  if (p->status == "captured") return Fail(409, "already_captured", "the payment is already captured");
  if (amount > p->amount)
    return Fail(409, "amount_exceeds_authorized", "cannot capture more than the authorized amount", "amount");
  p->captured = amount;
  p->status = "captured";
  p->captures.push_back({ids_.Next("cap", clock_.Now()), amount, clock_.Now()});
  return Json(200, ToJson(*p));
}

http::Response Gateway::DoVoid(const http::Request& request, const json& body) {
  const std::string& id = request.params.at("id");
  Payment* p = Find(id);
  if (!p) return NotFound(id);
  if (auto s = OnlyFields(body, {}); !s) return Invalid(s.error());
  if (p->status == "declined") return Fail(409, "payment_declined", "a declined payment cannot be voided");
  if (p->status == "captured") return Fail(409, "already_captured", "a captured payment cannot be voided; refund it");
  p->status = "voided";  // voiding a voided payment changes nothing and answers alike
  return Json(200, ToJson(*p));
}

http::Response Gateway::DoRefund(const http::Request& request, const json& body) {
  const std::string& id = request.params.at("id");
  Payment* p = Find(id);
  if (!p) return NotFound(id);
  if (auto s = OnlyFields(body, {"amount"}); !s) return Invalid(s.error());
  auto amount = Amount(body);
  if (!amount) return Invalid(amount.error());
  if (*amount > p->captured - p->refunded)
    return Fail(409, "amount_exceeds_captured",
                "cannot refund more than captured minus refunded (" + std::to_string(p->captured - p->refunded) + ")",
                "amount");
  Timestamp now = clock_.Now();
  p->refunds.push_back({ids_.Next("re", now), *amount, now});
  p->refunded += *amount;
  return Json(201, ToJson(*p, p->refunds.back()));
}

http::Response Gateway::Get(const http::Request& request) const {
  std::lock_guard lock(mu_);
  const std::string& id = request.params.at("id");
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return NotFound(id);
  return Json(200, ToJson(payments_[it->second]));
}

http::Response Gateway::List(const http::Request& request) const {
  const bool by_reference = request.HasQuery("reference"), by_key = request.HasQuery("idempotency_key");
  const std::string reference = request.Query("reference"), key = request.Query("idempotency_key");
  json list = json::array();
  std::lock_guard lock(mu_);
  for (const Payment& p : payments_)
    if ((!by_reference || p.reference == reference) && (!by_key || p.idempotency_key == key))
      list.push_back(ToJson(p));
  return Json(200, {{"payments", std::move(list)}});
}

http::Response Gateway::Ledger() const {
  std::lock_guard lock(mu_);
  json list = json::array();
  std::int64_t authorized = 0, captured = 0, refunded = 0, captures = 0, refunds = 0, declined = 0;
  for (const Payment& p : payments_) {
    list.push_back(ToJson(p));
    if (p.status == "declined") {
      ++declined;
      continue;
    }
    authorized += p.amount;
    captured += p.captured;
    refunded += p.refunded;
    captures += static_cast<std::int64_t>(p.captures.size());
    refunds += static_cast<std::int64_t>(p.refunds.size());
  }
  return Json(200, {{"payments", std::move(list)},
                    {"totals",
                     {{"payments", payments_.size()},
                      {"authorized", authorized},
                      {"captured", captured},
                      {"refunded", refunded},
                      {"captures", captures},
                      {"refunds", refunds},
                      {"declined", declined}}}});
}

Gateway::Payment* Gateway::Find(const std::string& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &payments_[it->second];
}

json Gateway::ToJson(const Payment& p) {
  json captures = json::array(), refunds = json::array();
  for (const Capture& c : p.captures)
    captures.push_back({{"id", c.id}, {"amount", c.amount}, {"created_at", FormatTimestamp(c.at)}});
  for (const Refund& r : p.refunds) refunds.push_back(ToJson(p, r));
  json out = {{"id", p.id},
              {"status", p.status},
              {"amount", p.amount},
              {"currency", p.currency},
              {"reference", p.reference},
              {"captured", p.captured},
              {"refunded", p.refunded},
              {"idempotency_key", p.idempotency_key},
              {"created_at", FormatTimestamp(p.created_at)},
              {"captures", std::move(captures)},
              {"refunds", std::move(refunds)}};
  if (!p.decline_code.empty()) out["decline_code"] = p.decline_code;
  return out;
}

json Gateway::ToJson(const Payment& p, const Refund& r) {
  return {{"id", r.id},
          {"payment_id", p.id},
          {"amount", r.amount},
          {"status", "succeeded"},
          {"created_at", FormatTimestamp(r.at)}};
}

}  // namespace ordo::sim

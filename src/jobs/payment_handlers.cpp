#include "jobs/payment_handlers.h"

#include <nlohmann/json.hpp>

namespace ordo::jobs {
namespace {

using integrations::payment::CallResult;
using integrations::payment::Gateway;
using integrations::payment::Payment;
using nlohmann::json;
using CK = CallResult::Kind;
using OK = CallOutcome::Kind;

CallOutcome FromCall(const CallResult& r) {
  CallOutcome o;
  o.http_status = r.http_status;
  o.error = r.error;
  switch (r.kind) {
    case CK::kOk: o.kind = OK::kOk; break;
    case CK::kDeclined: o.kind = OK::kDeclined; break;
    case CK::kRejected: o.kind = OK::kPermanent; break;
    case CK::kTransient:
    case CK::kUnknown: o.kind = OK::kTransient; break;
  }
  return o;
}

json Payload(const store::Job& job) {
  json p = json::parse(job.payload, nullptr, false);
  return p.is_object() ? p : json::object();
}

CallOutcome Captured(const Payment& p, int http_status) {
  CallOutcome o{OK::kOk, http_status, "", {}};
  o.data = {{"outcome", std::string("captured")}, {"payment_id", p.id}, {"amount_minor", p.captured}};
  return o;
}

}  // namespace

CallOutcome Charge(const Gateway& gateway, const store::Job& job) {
  json p = Payload(job);
  std::int64_t amount = p.value("amount_minor", std::int64_t{0});
  std::string authorize_key = job.key() + ":authorize";
  Payment payment;
  if (job.attempts > 1) {
    // An earlier attempt may have authorised or captured: ask before acting.
    CallResult found = gateway.FindByKey(authorize_key);
    if (found.kind != CK::kOk) return FromCall(found);
    payment = found.payment;
  }
  int status = 0;
  if (payment.id.empty()) {
    CallResult a = gateway.Authorize(amount, p.value("currency", ""), p.value("token", ""), job.order_id, authorize_key);
    if (a.kind == CK::kDeclined) {
      CallOutcome o = FromCall(a);
      o.data = {{"outcome", std::string("declined")}, {"decline_code", a.decline_code}, {"message", a.error}};
      return o;
    }
    if (a.kind != CK::kOk) return FromCall(a);
    payment = a.payment;
    status = a.http_status;
  }
  if (payment.status == "declined") {
    CallOutcome o{OK::kDeclined, status, "declined", {}};
    o.data = {{"outcome", std::string("declined")}, {"decline_code", std::string("declined")}, {"message", std::string("declined")}};
    return o;
  }
  if (payment.status == "captured") return Captured(payment, status);
  if (payment.status != "authorized") {
    return {OK::kPermanent, status, "the authorisation is " + payment.status, {}};
  }
  CallResult c = gateway.Capture(payment.id, amount, job.key() + ":capture");
  if (c.kind != CK::kOk) return FromCall(c);
  if (c.payment.captured == 0) c.payment.captured = amount;
  return Captured(c.payment, c.http_status);
}

void RegisterPaymentHandlers(Runner& runner, const Gateway& gateway) {
  runner.Register("payment.charge", "payment", [&gateway](const store::Job& job) { return Charge(gateway, job); });
  runner.Register("payment.refund", "payment", [&gateway](const store::Job& job) {
    json p = Payload(job);
    CallResult r = gateway.Refund(p.value("payment_id", ""), p.value("amount_minor", std::int64_t{0}), job.key());
    CallOutcome o = FromCall(r);
    if (r.kind == CK::kOk) o.data = {{"refund_id", r.payment.id}};
    return o;
  });
  runner.Register("payment.void", "payment", [&gateway](const store::Job& job) {
    json p = Payload(job);
    return FromCall(gateway.Void(p.value("payment_id", ""), job.key()));
  });
}

}  // namespace ordo::jobs

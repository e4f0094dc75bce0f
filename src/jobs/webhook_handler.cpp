#include "jobs/webhook_handler.h"

#include <nlohmann/json.hpp>

#include "integrations/http_client.h"
#include "integrations/signature.h"
#include "integrations/ssrf.h"
#include "store/codec.h"

namespace ordo::jobs {

using nlohmann::json;
using OK = CallOutcome::Kind;

CallOutcome Deliver(const store::Job& job, const domain::Subscription& sub, const WebhookOptions& options,
                    Timestamp now) {
  auto target = integrations::CheckTarget(sub.url, options.allow_private);
  if (!target) return {OK::kPermanent, 0, "refused target: " + target.error().message, {}};
  json payload = json::parse(job.payload, nullptr, false);
  if (!payload.is_object()) return {OK::kPermanent, 0, "the job's payload is not JSON", {}};
  json data = json::parse(payload.value("data", "{}"), nullptr, false);
  if (!data.is_object()) data = json::object();
  if (!job.order_id.empty()) data["order_id"] = job.order_id;
  json body = {{"type", payload.value("type", "")}, {"timestamp", payload.value("time", "")}, {"data", data}};
  std::string text = body.dump();
  std::int64_t ts = now / 1000;
  integrations::HttpRequest req{"POST", sub.url, {}, text, options.timeout_ms, target->Pins()};
  req.headers = {{std::string(signature::kIdHeader), job.id},
                 {std::string(signature::kTimestampHeader), std::to_string(ts)},
                 {std::string(signature::kSignatureHeader), signature::Sign(sub.secret, job.id, ts, text)},
                 {"User-Agent", "Ordo-Webhooks/1"}};
  if (!payload.value("correlation_id", "").empty()) req.headers.emplace_back("X-Correlation-Id", payload["correlation_id"]);
  integrations::HttpResponse res = integrations::Send(req);
  if (res.status >= 200 && res.status < 300) return {OK::kOk, res.status, "", {}};
  if (res.status == 410) return {OK::kPermanent, res.status, "the receiver answered 410 Gone", {}};
  std::string error = res.status ? "the receiver answered " + std::to_string(res.status) : res.error;
  return {OK::kTransient, res.status, error, {}};
}

void RegisterWebhookHandler(Runner& runner, engine::Engine& engine, WebhookOptions options) {
  runner.Register(domain::kWebhookDeliveryJob, "webhooks", [&engine, options](const store::Job& job) -> CallOutcome {
    json payload = json::parse(job.payload, nullptr, false);
    std::string id = payload.is_object() ? payload.value("subscription_id", "") : "";
    auto view = engine.Read();
    if (!view) return {OK::kTransient, 0, view.error().message, {}};
    auto doc = (*view)->GetConfig("webhooks");
    if (!doc) return {OK::kTransient, 0, doc.error().message, {}};
    if (*doc) {
      auto subs = store::DecodeSubscriptions((*doc)->body);
      if (subs)
        for (const auto& sub : *subs)
          if (sub.id == id) {
            if (!sub.active) return {OK::kPermanent, 0, "the subscription is paused", {}};
            return Deliver(job, sub, options, engine.clock().Now());
          }
    }
    return {OK::kPermanent, 0, "the subscription " + id + " no longer exists", {}};
  });
}

}  // namespace ordo::jobs

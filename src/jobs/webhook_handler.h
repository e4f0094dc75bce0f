// Webhook deliveries (jobs of kind "webhook.deliver"): a POST of the event to
// the subscriber's URL, signed Standard-Webhooks style (webhook-id = the job
// id, stable across retries so receivers can drop duplicates; HMAC-SHA256
// over id.timestamp.body). The SSRF guard runs before every call and pins the
// connection to the addresses it checked. 2xx is delivered; 410 Gone ends
// the delivery for good; anything else is retried with backoff and, once the
// attempts are spent, waits in the dead-letter queue.
#pragma once

#include "engine/engine.h"
#include "jobs/runner.h"

namespace ordo::jobs {

struct WebhookOptions {
  bool allow_private = false;  // loopback and private targets (tests, demos)
  long timeout_ms = 5000;
};

void RegisterWebhookHandler(Runner& runner, engine::Engine& engine, WebhookOptions options);

// One delivery to one subscription (public for tests).
CallOutcome Deliver(const store::Job& job, const domain::Subscription& subscription, const WebhookOptions& options,
                    Timestamp now);

}  // namespace ordo::jobs

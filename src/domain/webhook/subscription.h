// Outbound webhook subscriptions: who wants which events, at which URL, signed
// with which secret. Each matching event becomes a durable delivery job.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace ordo::domain {

constexpr std::size_t kMaxSubscriptions = 100;
constexpr std::size_t kMaxEventTypes = 50;
// The kind of the job that delivers one event to one subscriber.
inline constexpr const char* kWebhookDeliveryJob = "webhook.deliver";

struct Subscription {
  std::string id;
  std::string url;
  std::vector<std::string> event_types;  // "order.created", "order.*", "*"
  std::string secret;                    // whsec_<base64>
  std::string description;
  bool active = true;
  Timestamp created_at = 0;
};

// "order.created" matches "order.created", "order.*" and "*".
bool Matches(const Subscription& subscription, std::string_view event_type);

// The shape rules of a subscription (not the reachability of its URL):
// an http(s) URL without credentials, 1..50 event type patterns.
Status ValidateSubscription(const Subscription& subscription);

}  // namespace ordo::domain

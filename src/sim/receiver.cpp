#include "sim/receiver.h"

#include <nlohmann/json.hpp>

#include "integrations/signature.h"
#include "sim/reply.h"

namespace ordo::sim {

std::string DefaultWebhookSecret() { return "whsec_" + signature::Base64Encode("ordo-sim-secret"); }

Receiver::Receiver(Chaos& chaos, Delayer& delayer, std::string secret)
    : chaos_(chaos), delayer_(delayer), secret_(std::move(secret)) {}

void Receiver::Register(http::Router& router) {
  router.Add("POST", "/hooks/{name}", [this](http::Request& r, http::Respond respond) { Hook(r, std::move(respond)); });
  router.Add("GET", "/v1/receiver/deliveries",
             [this](http::Request& r, http::Respond respond) { respond(Deliveries(r)); });
  router.Add("PUT", "/v1/receiver", [this](http::Request& r, http::Respond respond) {
    auto body = ParseObject(r.body);
    if (!body) return respond(Invalid(body.error()));
    for (const auto& item : body->items())
      if (item.key() != "secret") return respond(Fail(400, "invalid_request", "unknown field " + item.key(), item.key()));
    auto it = body->find("secret");
    if (it == body->end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return respond(Fail(400, "invalid_request", "secret must be a non-empty string", "secret"));
    SetSecret(it->get<std::string>());
    http::Response done;
    done.status = 204;
    respond(std::move(done));
  });
}

void Receiver::SetSecret(std::string secret) {
  std::lock_guard lock(mu_);
  secret_ = std::move(secret);
}

std::string Receiver::secret() const {
  std::lock_guard lock(mu_);
  return secret_;
}

void Receiver::Reset() {
  std::lock_guard lock(mu_);
  deliveries_.clear();
  index_.clear();
}

void Receiver::Hook(const http::Request& request, http::Respond respond) {
  const Knobs knobs = chaos_.Get();
  const Timestamp now = clock_.Now();
  const std::string& name = request.params.at("name");
  const std::string id(request.Header(signature::kIdHeader));
  std::string type;
  if (auto body = nlohmann::json::parse(request.body, nullptr, false); body.is_object()) {
    if (auto t = body.find("type"); t != body.end() && t->is_string()) type = t->get<std::string>();
  }
  http::Response response;
  {
    std::lock_guard lock(mu_);
    Status verified = signature::Verify(secret_, id, request.Header(signature::kTimestampHeader),
                                        request.Header(signature::kSignatureHeader), request.body, now / 1000);
    // The signature is checked (and recorded) even when the dice fail the attempt.
    if (chaos_.Roll(knobs.failure_pct))
      response = Fail(500, "internal_error", "simulated failure; the delivery was not accepted");
    else if (!verified)
      response = Fail(401, "invalid_signature", verified.error().message);
    else
      response.status = 204;

    auto key = std::make_pair(name, id);
    auto found = index_.find(key);
    if (found == index_.end()) {
      if (deliveries_.size() >= kMaxDeliveries) {
        deliveries_.erase(deliveries_.begin(), deliveries_.begin() + kMaxDeliveries / 10);
        index_.clear();
        for (std::size_t i = 0; i < deliveries_.size(); ++i)
          index_[{deliveries_[i].name, deliveries_[i].webhook_id}] = i;
      }
      found = index_.emplace(key, deliveries_.size()).first;
      deliveries_.push_back({name, id});
      deliveries_.back().received_at = now;
    }
    Delivery& d = deliveries_[found->second];
    d.type = type;
    d.body = request.body;
    d.verified = verified.ok();
    d.accepted = d.accepted || response.status == 204;
    ++d.attempts;
    d.last_status = response.status;
    d.error = verified.ok() ? std::string() : verified.error().message;
    d.last_received_at = now;
  }
  delayer_.After(knobs.latency_ms, std::move(response), std::move(respond));
}

http::Response Receiver::Deliveries(const http::Request& request) const {
  const bool by_name = request.HasQuery("name");
  const std::string name = request.Query("name");
  nlohmann::json list = nlohmann::json::array();
  std::lock_guard lock(mu_);
  for (const Delivery& d : deliveries_) {
    if (by_name && d.name != name) continue;
    list.push_back({{"name", d.name},
                    {"webhook_id", d.webhook_id},
                    {"type", d.type},
                    {"verified", d.verified},
                    {"accepted", d.accepted},
                    {"attempts", d.attempts},
                    {"last_status", d.last_status},
                    {"error", d.error},
                    {"received_at", FormatTimestamp(d.received_at)},
                    {"last_received_at", FormatTimestamp(d.last_received_at)},
                    {"body", d.body}});
  }
  return Json(200, {{"deliveries", std::move(list)}});
}

}  // namespace ordo::sim

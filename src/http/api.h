// The v1 API: routes, the request middleware (request id, correlation id,
// media type, Idempotency-Key), and the bridge from HTTP to the engine.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "base/ids.h"
#include "engine/engine.h"
#include "events/hub.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/router.h"

namespace ordo::http {

struct ApiOptions {
  bool bench_echo = false;  // POST /v1/echo: parse + validate an order, no storage
};

class Api {
 public:
  // `hub` feeds the SSE streams (none: they answer 503).
  Api(engine::Engine& engine, events::Hub* hub, Metrics& metrics, ApiOptions options, std::function<bool()> ready);

  // Entry point for the server: middleware, then the router.
  void Handle(Request& request, Respond respond);
  const Router& router() const { return router_; }
  // Checks a webhook URL a user gives (the SSRF guard); none: every URL passes.
  void SetUrlGuard(std::function<Status(const std::string&)> guard) { url_guard_ = std::move(guard); }
  // The job runner's breaker states, for /v1/jobs/stats (none: empty).
  void SetBreakerStates(std::function<std::map<std::string, std::string>()> states) { breakers_ = std::move(states); }

 private:
  using Render = std::function<Response(const engine::Outcome&)>;

  void Routes();
  void LifecycleRoutes();
  void JobRoutes();
  void ConfigRoutes();
  void WebhookRoutes();
  template <typename Parse>
  void OrderAction(const char* verb, Parse parse);
  // Submits a write; replies after its commit. Handles Idempotency-Key.
  // `location_prefix`: for a 201 (fresh or replayed), Location = prefix + the body's "id".
  void Submit(Request& request, Respond respond, engine::CommandBody body, Render render,
              std::string location_prefix = {});
  // A read view in which the order of the path exists; otherwise answers
  // (404, or 503) and returns null.
  std::unique_ptr<store::ReadView> OrderView(Request& req, const Respond& respond);
  // An SSE response that follows the hub (order_id empty: every event).
  void Stream(Request& request, Respond respond, std::string order_id);
  bool ClaimKey(const std::string& scoped);
  void ReleaseKey(const std::string& scoped);

  engine::Engine& engine_;
  events::Hub* hub_;
  Metrics& metrics_;
  ApiOptions options_;
  std::function<bool()> ready_;
  Router router_;
  std::function<std::map<std::string, std::string>()> breakers_;
  std::function<Status(const std::string&)> url_guard_;
  IdGenerator ids_;
  std::mutex keys_mu_;
  std::unordered_set<std::string> keys_in_flight_;
};

}  // namespace ordo::http

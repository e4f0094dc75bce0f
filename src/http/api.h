// The v1 API: routes, the request middleware (request id, correlation id,
// media type, Idempotency-Key), and the bridge from HTTP to the engine.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "auth/authenticator.h"
#include "auth/users.h"
#include "base/ids.h"
#include "engine/engine.h"
#include "events/hub.h"
#include "http/access.h"
#include "http/demo_tools.h"
#include "http/metrics.h"
#include "http/rate_limit.h"
#include "http/request.h"
#include "http/router.h"
#include "http/worker.h"

namespace ordo::http {

struct ApiOptions {
  bool bench_echo = false;  // POST /v1/echo: parse + validate an order, no storage
  bool demo = false;        // --demo (the demo accounts log in)
  // Verifies tokens and API keys, issues tokens. None: one with a fresh
  // random secret (tokens issued by it die with the process).
  std::shared_ptr<auth::Authenticator> auth;
  auth::UserDirectory users;              // who POST /v1/auth/token logs in
  std::vector<std::string> cors_origins;  // allowed browser origins ("*" = any); empty = CORS off
  RateLimit customer_limit{20, 40};       // per anonymous address and per customer
  RateLimit staff_limit{500, 1000};       // per seller, admin and API key
  // A customer's open holds: orders whose stock is reserved but not yet paid
  // for, and the units in them (0 = no cap). Beyond them: 429.
  int max_open_orders = 5;
  std::int64_t max_open_units = 50;
  // The integrations' signing secrets (Standard Webhooks; "whsec_<base64>" or
  // raw). Empty: that endpoint answers 503 integration-not-configured.
  std::string erp_secret;  // POST /v1/integrations/erp/orders
  std::string wms_secret;  // POST /v1/integrations/wms/events
  // API keys that live in this process only (the demo's in-process simulator's):
  // accepted like stored ones, never written, not listed, gone with the process.
  std::vector<auth::ApiKey> process_keys;
  // POST /v1/reconciliation/run: runs one and calls back with the stored report
  // (none: 503 reconciliation-not-running).
  std::function<void(std::string requested_by, std::function<void(Result<store::ReconciliationRecord>)> done)>
      run_reconciliation;
  // The /v1/admin demo tools (none, as without --demo: 403 demo-mode-only).
  std::shared_ptr<DemoTools> demo_tools;
};


class Api {
 public:
  // `hub` feeds the SSE streams (none: they answer 503).
  Api(engine::Engine& engine, events::Hub* hub, Metrics& metrics, ApiOptions options, std::function<bool()> ready);
  ~Api();

  // Entry point for the server: middleware, then the router.
  void Handle(Request& request, Respond respond);
  const Router& router() const { return router_; }
  // Checks a webhook URL a user gives (the SSRF guard); none: every URL passes.
  void SetUrlGuard(std::function<Status(const std::string&)> guard) { url_guard_ = std::move(guard); }
  // The job runner's breaker states, for /v1/jobs/stats (none: empty).
  void SetBreakerStates(std::function<std::map<std::string, std::string>()> states) { breakers_ = std::move(states); }

 private:
  using Render = std::function<Response(const engine::Outcome&)>;

  // Registers a route under its rule of the access matrix (access.h): the
  // caller is authenticated, rate limited and checked against the rule
  // before `handler` runs; "own" rules are finished by the handler.
  void Route(const std::string& method, const std::string& pattern, Handler handler);
  // The principal of the request, or the answer (401, 429) when there is none.
  bool Admit(Request& request, const Respond& respond, const AccessRule& rule);
  // The response headers every answer gets (security headers; CORS for an allowed origin).
  void Decorate(std::string_view request_origin, Response& response) const;
  // The origin when CORS allows it, else "".
  std::string AllowedOrigin(std::string_view origin) const;
  void StartLoginWorker();
  // Whether the caller may see the order (the "own" rule); admins see all.
  static bool Owns(const auth::Principal& p, const domain::Order& order);
  // A stream filter: the events of the orders `principal` owns (Owns).
  static events::Keep OwnOrders(const auth::Principal& principal);
  // API keys, read from the store at most once a second.
  std::optional<auth::ApiKey> FindApiKey(const std::string& id);
  void Routes();
  void AuthRoutes();
  void LifecycleRoutes();
  void JobRoutes();
  void ConfigRoutes();
  void WebhookRoutes();
  void IntegrationRoutes();  // integration_routes.cpp
  void OperationsRoutes();   // operations_routes.cpp: reconciliation and the demo tools
  // The request is signed with `secret` (Standard Webhooks, 300 s tolerance);
  // otherwise answers (503 without a secret, 401 for a bad signature) and returns false.
  bool Verified(const Request& request, const Respond& respond, const std::string& secret,
                const std::string& integration, const std::string& flag);
  template <typename Parse>
  void OrderAction(const char* verb, Parse parse);
  // Submits a write; replies after its commit. Handles Idempotency-Key.
  // `location_prefix`: for a 201 (fresh or replayed), Location = prefix + the body's "id".
  // `map_error`: turns a refusal's pointers into the request's terms (the ERP's payload).
  void Submit(Request& request, Respond respond, engine::CommandBody body, Render render,
              std::string location_prefix = {}, std::function<Error(Error)> map_error = {});
  // A POST whose work is done outside the engine (a reconciliation run, the
  // demo tools), under Submit's Idempotency-Key rules: with a key, an answer
  // stored for it is replayed (the key with another body: 422; still running:
  // 409), and the work's answer, when it is a success or a business refusal
  // (409), is stored through the engine (engine::RememberReply) before it goes out.
  void Idempotent(Request& request, Respond respond, std::function<void(Respond)> work);
  // A read view in which the order of the path exists; otherwise answers
  // (404, or 503) and returns null.
  std::unique_ptr<store::ReadView> OrderView(Request& req, const Respond& respond);
  // An SSE response that follows the hub (order_id empty: every event).
  void Stream(Request& request, Respond respond, std::string order_id);
  // For a seller: 403 naming `pointer` unless the location is theirs.
  bool SellerMayTouch(const Request& req, const Respond& respond, const std::string& location_id,
                      const std::string& pointer);
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
  RateLimiter limiter_;
  std::mutex api_keys_mu_;
  std::vector<auth::ApiKey> api_keys_;
  std::int64_t api_keys_read_at_ = -1;
  // Last: their threads finish (running what is queued) before the rest goes.
  std::unique_ptr<Worker> login_;  // scrypt
  std::unique_ptr<Worker> admin_;  // the demo tools
};

}  // namespace ordo::http

#include "http/access.h"

namespace ordo::http {

namespace {

constexpr Access N = Access::kNone, O = Access::kOwn, A = Access::kAll;

// method, pattern, anonymous, customer, seller, admin, API-key scope
std::vector<AccessRule> Build() {
  return {
      // operations and documentation
      {"GET", "/livez", A, A, A, A, ""},
      {"GET", "/readyz", A, A, A, A, ""},
      {"GET", "/metrics", N, N, N, A, "metrics"},
      {"GET", "/openapi.json", A, A, A, A, ""},
      {"GET", "/docs", A, A, A, A, ""},
      {"GET", "/docs/{file}", A, A, A, A, ""},
      {"GET", "/", A, A, A, A, ""},
      // the dashboard's client-side routes and files (its data comes from the routes below)
      {"GET", "/{page}", A, A, A, A, ""},
      {"GET", "/{page}/{id}", A, A, A, A, ""},
      // authentication
      {"POST", "/v1/auth/token", A, A, A, A, ""},
      {"GET", "/v1/auth/me", N, A, A, A, ""},
      {"POST", "/v1/auth/api-keys", N, N, N, A, ""},
      {"GET", "/v1/auth/api-keys", N, N, N, A, ""},
      {"DELETE", "/v1/auth/api-keys/{id}", N, N, N, A, ""},
      // catalogue and locations
      {"PUT", "/v1/products/{sku}", N, N, N, A, ""},
      {"GET", "/v1/products", A, A, A, A, ""},
      {"GET", "/v1/products/{sku}", A, A, A, A, ""},
      {"PUT", "/v1/locations/{id}", N, N, N, A, ""},
      {"GET", "/v1/locations", N, A, A, A, ""},
      {"GET", "/v1/locations/{id}", N, A, A, A, ""},
      // stock
      {"PUT", "/v1/stock/{location_id}/{sku}", N, N, O, A, ""},
      {"POST", "/v1/stock/adjustments", N, N, O, A, ""},
      {"GET", "/v1/stock", N, N, O, A, ""},
      {"GET", "/v1/reservations", N, N, O, A, ""},
      // orders
      {"POST", "/v1/orders", N, O, N, A, ""},
      {"POST", "/v1/echo", N, N, N, A, ""},
      {"GET", "/v1/orders", N, O, O, A, ""},
      {"GET", "/v1/orders/{id}", N, O, O, A, ""},
      {"GET", "/v1/orders/{id}/events", N, O, O, A, ""},
      {"GET", "/v1/orders/{id}/stream", N, O, O, A, ""},
      {"GET", "/v1/events/stream", N, O, O, A, ""},
      {"POST", "/v1/orders/{id}/confirm", N, N, O, A, ""},
      {"POST", "/v1/orders/{id}/pay", N, O, N, A, ""},
      {"POST", "/v1/orders/{id}/ship", N, N, O, A, ""},
      {"POST", "/v1/orders/{id}/deliver", N, N, O, A, ""},
      {"POST", "/v1/orders/{id}/cancel", N, O, O, A, ""},
      {"POST", "/v1/orders/{id}/refund", N, N, O, A, ""},
      {"PATCH", "/v1/orders/{id}/status", N, N, O, A, ""},
      // jobs
      {"GET", "/v1/jobs", N, N, N, A, ""},
      {"GET", "/v1/jobs/stats", N, N, N, A, ""},
      {"GET", "/v1/jobs/{id}", N, N, N, A, ""},
      {"POST", "/v1/jobs/{id}/retry", N, N, N, A, ""},
      // reconciliation (seed 000)
      {"GET", "/v1/reconciliation", N, N, N, A, ""},
      {"GET", "/v1/reconciliation/history", N, N, N, A, ""},
      {"GET", "/v1/reconciliation/history/{id}", N, N, N, A, ""},
      {"POST", "/v1/reconciliation/run", N, N, N, A, ""},
      // the demo's tools (--demo only)
      {"GET", "/v1/admin/chaos", N, N, N, A, ""},
      {"PUT", "/v1/admin/chaos", N, N, N, A, ""},
      {"POST", "/v1/admin/demo/orders", N, N, N, A, ""},
      {"POST", "/v1/admin/reset", N, N, N, A, ""},
      // configuration
      {"GET", "/v1/config/workflow", N, A, A, A, ""},
      {"PUT", "/v1/config/workflow", N, N, N, A, ""},
      {"GET", "/v1/config/branding", A, A, A, A, ""},
      {"PUT", "/v1/config/branding", N, N, N, A, ""},
      // webhooks
      {"POST", "/v1/webhooks", N, N, N, A, ""},
      {"GET", "/v1/webhooks", N, N, N, A, ""},
      {"GET", "/v1/webhooks/{id}", N, N, N, A, ""},
      {"DELETE", "/v1/webhooks/{id}", N, N, N, A, ""},
      {"GET", "/v1/webhooks/{id}/deliveries", N, N, N, A, ""},
      // integrations (seed 000): the ERP's orders and the WMS's status callbacks, signed
      {"POST", "/v1/integrations/erp/orders", N, N, N, A, "erp"},
      {"POST", "/v1/integrations/wms/events", N, N, N, A, "wms"},
  };
}

}  // namespace

const std::vector<AccessRule>& AccessRules() {
  static const std::vector<AccessRule> rules = Build();
  return rules;
}

const AccessRule* FindAccessRule(std::string_view method, std::string_view pattern) {
  for (const auto& r : AccessRules())
    if (r.method == method && r.pattern == pattern) return &r;
  return nullptr;
}

Access AccessFor(const AccessRule& rule, const auth::Principal& p) {
  switch (p.role) {
    case auth::Role::kAnonymous: return rule.anonymous;
    case auth::Role::kCustomer: return rule.customer;
    case auth::Role::kSeller: return rule.seller;
    case auth::Role::kAdmin: return rule.admin;
    case auth::Role::kIntegration:
      if (rule.anonymous == Access::kAll) return Access::kAll;
      return !rule.scope.empty() && p.HasScope(rule.scope) ? Access::kAll : Access::kNone;
  }
  return Access::kNone;
}

const char* AccessName(Access a) { return a == Access::kAll ? "all" : a == Access::kOwn ? "own" : "none"; }

nlohmann::json AccessJson(const AccessRule& r) {
  return {{"anonymous", AccessName(r.anonymous)},
          {"customer", AccessName(r.customer)},
          {"seller", AccessName(r.seller)},
          {"admin", AccessName(r.admin)},
          {"integration", r.anonymous == Access::kAll ? "all" : r.scope.empty() ? "none" : r.scope}};
}

std::string AccessMarkdown() {
  std::string out = "| Method | Path | anonymous | customer | seller | admin | API key scope |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const auto& r : AccessRules()) {
    nlohmann::json j = AccessJson(r);
    out += "| " + r.method + " | `" + r.pattern + "` | " + j["anonymous"].get<std::string>() + " | " +
           j["customer"].get<std::string>() + " | " + j["seller"].get<std::string>() + " | " +
           j["admin"].get<std::string>() + " | " + j["integration"].get<std::string>() + " |\n";
  }
  return out;
}

}  // namespace ordo::http

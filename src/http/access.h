// The authorisation matrix: for every route, what each kind of caller may do.
// It is the one source of the rules: the API enforces it (api.cpp), the
// OpenAPI document publishes it per operation (x-ordo-access, checked equal
// by api_routes_test), docs/AUTHORIZATION.md renders it, and the integration
// test (tests/integration/authz_test.cpp) calls every route as every caller
// and compares the answers with the published table.
//
//   all  — allowed on everything the route reaches
//   own  — allowed on the caller's own objects only. A customer owns the
//          orders whose customer_id is theirs; a seller owns their locations
//          (a token's "locations"), the stock and reservations at them, and the
//          orders with an allocation at one of them. Someone else's order is a
//          404 (its existence is not revealed); someone else's location in a
//          stock write is a 403 naming the field. Lists show only own items.
//   none — 401 for anonymous callers, 403 for everyone else.
// Integration principals (API keys) are allowed where the route names their scope.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"

namespace ordo::http {

enum class Access { kNone, kOwn, kAll };

struct AccessRule {
  std::string method;
  std::string pattern;
  Access anonymous = Access::kNone;
  Access customer = Access::kNone;
  Access seller = Access::kNone;
  Access admin = Access::kAll;
  std::string scope;  // the API-key scope allowed here ("" = none)
};

const std::vector<AccessRule>& AccessRules();
// The rule of a route, or null (a route without a rule is a programming
// error: Api refuses to register it).
const AccessRule* FindAccessRule(std::string_view method, std::string_view pattern);
Access AccessFor(const AccessRule& rule, const auth::Principal& principal);
const char* AccessName(Access access);

// {"anonymous":"none","customer":"own","seller":"own","admin":"all","integration":"erp"|"none"}
nlohmann::json AccessJson(const AccessRule& rule);
// The matrix as a Markdown table (docs/AUTHORIZATION.md holds it verbatim).
std::string AccessMarkdown();

}  // namespace ordo::http

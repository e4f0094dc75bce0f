// Who is calling: the principal an HTTP request is authenticated as. Plain
// values, no I/O: the authorisation rules (http/access.h) read these.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ordo::auth {

// kIntegration: an API key of another system (ERP, WMS, a metrics scraper),
// limited to its scopes.
enum class Role { kAnonymous, kCustomer, kSeller, kAdmin, kIntegration };

inline constexpr Role kRoles[] = {Role::kAnonymous, Role::kCustomer, Role::kSeller, Role::kAdmin, Role::kIntegration};

const char* RoleName(Role role);
// "admin", "seller", "customer" (the roles a token or a user may carry).
bool ParseUserRole(std::string_view name, Role* role);

struct Principal {
  Role role = Role::kAnonymous;
  std::string subject;                 // the token's sub / the user name / the API key's id
  std::string customer_id;             // customers: the orders they own
  std::vector<std::string> locations;  // sellers: the locations they act for
  std::vector<std::string> scopes;     // integrations: "erp", "wms", "metrics"
  long long expires_at_s = 0;          // tokens: exp (seconds since the epoch); 0 = none

  // The actor in events and the scope of Idempotency-Keys:
  // "anonymous", "user:<sub>", "key:<id>".
  std::string Id() const;
  bool Is(Role r) const { return role == r; }
  bool HasLocation(std::string_view id) const {
    return std::find(locations.begin(), locations.end(), id) != locations.end();
  }
  bool HasScope(std::string_view scope) const { return std::find(scopes.begin(), scopes.end(), scope) != scopes.end(); }
};

}  // namespace ordo::auth

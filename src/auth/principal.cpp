#include "auth/principal.h"

namespace ordo::auth {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAnonymous: return "anonymous";
    case Role::kCustomer: return "customer";
    case Role::kSeller: return "seller";
    case Role::kAdmin: return "admin";
    case Role::kIntegration: return "integration";
  }
  return "anonymous";
}

bool ParseUserRole(std::string_view name, Role* role) {
  for (Role r : {Role::kCustomer, Role::kSeller, Role::kAdmin})
    if (name == RoleName(r)) return *role = r, true;
  return false;
}

std::string Principal::Id() const {
  switch (role) {
    case Role::kAnonymous: return "anonymous";
    case Role::kIntegration: return "key:" + subject;
    default: return "user:" + subject;
  }
}

}  // namespace ordo::auth

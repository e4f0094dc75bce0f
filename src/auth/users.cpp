#include "auth/users.h"

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace ordo::auth {

using nlohmann::json;

#define ORDO_AUTH_TRY(expr) \
  if (auto status_ = (expr); !status_) return status_.take_error()

const User* UserDirectory::Find(std::string_view username) const {
  for (const auto& u : users_)
    if (u.username == username) return &u;
  return nullptr;
}

Result<std::vector<User>> ParseUsers(std::string_view text) {
  json list = json::parse(text, nullptr, false);
  if (list.is_discarded() || !list.is_array()) return Error::Invalid("", "the users file must be a JSON array");
  std::vector<User> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& u = list[i];
    std::string at = "/" + std::to_string(i);
    if (!u.is_object()) return Error::Invalid(at, "each user is an object");
    User user;
    auto text_of = [&](const char* key, std::string* field, bool required) -> Status {
      if (!u.contains(key)) return required ? Error::Invalid(at + "/" + key, std::string(key) + " is required") : Ok();
      if (!u[key].is_string() || !IsCleanText(u[key].get<std::string>(), 200))
        return Error::Invalid(at + "/" + key, std::string(key) + " must be text");
      *field = u[key].get<std::string>();
      return Ok();
    };
    std::string role;
    ORDO_AUTH_TRY(text_of("username", &user.username, true));
    ORDO_AUTH_TRY(text_of("password_hash", &user.password_hash, true));
    ORDO_AUTH_TRY(text_of("role", &role, true));
    ORDO_AUTH_TRY(text_of("customer_id", &user.customer_id, false));
    ORDO_AUTH_TRY(text_of("name", &user.name, false));
    if (!ParseUserRole(role, &user.role)) return Error::Invalid(at + "/role", "role must be admin, seller or customer");
    if (user.password_hash.rfind("scrypt$", 0) != 0)
      return Error::Invalid(at + "/password_hash", "password_hash must come from `ordo hash-password`");
    if (user.role == Role::kCustomer) {
      if (user.customer_id.empty()) user.customer_id = user.username;
      if (!IsIdentifier(user.customer_id, 128))
        return Error::Invalid(at + "/customer_id", "customer_id must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    if (u.contains("locations")) {
      if (!u["locations"].is_array()) return Error::Invalid(at + "/locations", "locations must be an array of ids");
      for (const json& l : u["locations"]) {
        if (!l.is_string() || !IsIdentifier(l.get<std::string>(), 64))
          return Error::Invalid(at + "/locations", "locations must be an array of location ids");
        user.locations.push_back(l.get<std::string>());
      }
    }
    for (const auto& seen : out)
      if (seen.username == user.username) return Error::Invalid(at + "/username", "username appears twice");
    out.push_back(std::move(user));
  }
  return out;
}

Result<std::vector<User>> DemoUsers(const std::vector<std::string>& locations, ScryptCost cost) {
  std::size_t half = (locations.size() + 1) / 2;
  std::vector<User> out;
  for (const auto& account : kDemoAccounts) {
    User u;
    u.username = account.username;
    auto hash = HashPassword(account.password, cost);
    if (!hash) return hash.take_error();
    u.password_hash = std::move(*hash);
    std::string_view name(account.username);
    name = name.substr(0, name.find('@'));
    u.name = std::string(name);
    if (name.rfind("customer", 0) == 0) {
      u.role = Role::kCustomer;
      u.customer_id = "cus_demo_" + u.name;
    } else if (name.rfind("seller", 0) == 0) {
      u.role = Role::kSeller;
      bool second = name == "seller2";
      u.locations.assign(locations.begin() + (second ? static_cast<long>(half) : 0),
                         second ? locations.end() : locations.begin() + static_cast<long>(half));
    } else {
      u.role = Role::kAdmin;
    }
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace ordo::auth

// The users `POST /v1/auth/token` logs in: the demo accounts (--demo) or a
// local users file (--users). Passwords are kept as scrypt hashes only.
//
// Users file: a JSON array of
//   {"username", "password_hash" (from `ordo hash-password`), "role":
//    "admin"|"seller"|"customer", "customer_id"? (customers; default: the
//    username when it is an identifier), "locations"? (sellers), "name"?}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/password.h"
#include "auth/principal.h"
#include "base/result.h"

namespace ordo::auth {

struct User {
  std::string username;
  std::string password_hash;
  Role role = Role::kCustomer;
  std::string customer_id;
  std::vector<std::string> locations;
  std::string name;
};

class UserDirectory {
 public:
  UserDirectory() = default;
  explicit UserDirectory(std::vector<User> users) : users_(std::move(users)) {}
  const User* Find(std::string_view username) const;
  const std::vector<User>& users() const { return users_; }
  bool empty() const { return users_.empty(); }

 private:
  std::vector<User> users_;
};

Result<std::vector<User>> ParseUsers(std::string_view json_text);

// The demo accounts (after seed 004's): two customers, two sellers (the first
// half and the second half of `locations`) and an admin. Their passwords are
// in the README; they are hashed here at start.
struct DemoAccount {
  const char* username;
  const char* password;
};
inline constexpr DemoAccount kDemoAccounts[] = {
    {"customer@ordo.demo", "Customer123!"}, {"customer2@ordo.demo", "Customer123!"},
    {"seller@ordo.demo", "Seller123!"},     {"seller2@ordo.demo", "Seller123!"},
    {"admin@ordo.demo", "Admin123!"}};
Result<std::vector<User>> DemoUsers(const std::vector<std::string>& locations, ScryptCost cost = {});

}  // namespace ordo::auth

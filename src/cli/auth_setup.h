// The serve command's authentication: flags → an Authenticator (keys,
// issuer, audience), the local users, and the HS256 signing secret, which is
// generated at first start and kept in the database (so every node of a
// PostgreSQL deployment signs and verifies with the same one) unless
// --jwt-secret gives one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/users.h"
#include "base/result.h"
#include "engine/engine.h"

namespace ordo::cli {

struct AuthFlags {
  std::string jwt_secret;  // HS256; empty: generated once and stored
  std::string jwks;        // a file path or an http(s) URL of a JWK Set (RS256 / ES256)
  std::string issuer = "ordo";
  std::string audience = "ordo";
  std::string token_ttl = "1h";
  std::string users_file;
  std::string cors_origins;      // comma-separated
  std::string rate_limit = "20/40";         // customers and anonymous callers: per second / burst
  std::string rate_limit_staff = "500/1000";  // sellers, admins, API keys
  int max_open_orders = 5;
  std::int64_t max_open_units = 50;
};

struct AuthSetup {
  std::shared_ptr<auth::Authenticator> authenticator;
  auth::UserDirectory users;
};

// `demo`: the demo accounts join the users (their sellers split the locations).
Result<AuthSetup> SetUpAuth(const AuthFlags& flags, engine::Engine& engine, bool demo);
// The stored signing secret, made and stored if there is none yet.
Result<std::string> SigningSecret(engine::Engine& engine);
// "20/40" → {20, 40}; "0" = unlimited.
bool ParseRate(const std::string& text, double* per_second, double* burst);

}  // namespace ordo::cli

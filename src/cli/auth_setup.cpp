#include "cli/auth_setup.h"

#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "integrations/http_client.h"

namespace ordo::cli {

namespace {

constexpr const char* kSigningDoc = "auth_signing";

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::Invalid("/jwks", "cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::string> FetchJwks(const std::string& source) {
  if (source.rfind("http://", 0) != 0 && source.rfind("https://", 0) != 0) return ReadFile(source);
  integrations::HttpRequest req;
  req.url = source;
  req.timeout_ms = 5000;
  auto res = integrations::Send(req);
  if (res.status != 200) return Error::Unavailable("JWKS " + source + ": " + (res.status ? "HTTP " + std::to_string(res.status) : res.error));
  return res.body;
}

Result<std::optional<std::string>> StoredSecret(engine::Engine& engine) {
  auto view = engine.Read();
  if (!view) return view.take_error();
  auto doc = (*view)->GetConfig(kSigningDoc);
  if (!doc) return doc.take_error();
  if (!*doc) return std::optional<std::string>();
  auto j = nlohmann::json::parse((*doc)->body, nullptr, false);
  if (!j.is_object() || !j.contains("hs256") || !j["hs256"].is_string())
    return Error::Internal("the stored signing secret does not decode");
  auto secret = auth::Base64UrlDecode(j["hs256"].get<std::string>());
  if (!secret) return Error::Internal("the stored signing secret does not decode");
  return std::optional<std::string>(*secret);
}

}  // namespace

bool ParseRate(const std::string& text, double* per_second, double* burst) {
  try {
    std::size_t pos = 0;
    *per_second = std::stod(text, &pos);
    *burst = std::max(1.0, *per_second * 2);
    if (pos < text.size()) {
      if (text[pos] != '/') return false;
      std::size_t more = 0;
      *burst = std::stod(text.substr(pos + 1), &more);
      if (pos + 1 + more != text.size()) return false;
    }
  } catch (...) {
    return false;
  }
  return *per_second >= 0 && *burst >= 0;
}

Result<std::string> SigningSecret(engine::Engine& engine) {
  auto stored = StoredSecret(engine);
  if (!stored) return stored.take_error();
  if (*stored) return **stored;
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), 32) != 1) return Error::Internal("no randomness");
  nlohmann::json doc = {{"hs256", auth::Base64UrlEncode(secret)}};
  // Version 0 expected: when two nodes start at once, one write wins and the
  // other reads the winner's secret below.
  engine::Outcome put = engine.Call(engine::PutConfigDoc{kSigningDoc, doc.dump(), 0}, {"start", "start", "system", "", ""});
  if (put.result.ok()) return secret;
  auto again = StoredSecret(engine);
  if (!again) return again.take_error();
  if (!*again) return put.result.error();
  return **again;
}

Result<AuthSetup> SetUpAuth(const AuthFlags& f, engine::Engine& engine, bool demo) {
  auth::AuthOptions options;
  options.policy = {f.issuer, f.audience, 60};
  std::int64_t ttl_ms = 0;
  if (!ParseDuration(f.token_ttl, &ttl_ms) || ttl_ms <= 0) return Error::Invalid("/token-ttl", "use e.g. 1h, 30m, 900s");
  options.token_ttl_s = static_cast<int>(std::max<std::int64_t>(60, ttl_ms / 1000));

  auth::KeySet keys;
  if (!f.jwks.empty()) {
    auto text = FetchJwks(f.jwks);
    if (!text) return text.take_error();
    auto added = keys.AddJwks(*text);
    if (!added) return added.take_error();
    if (*added == 0) return Error::Invalid("/jwks", "the JWK Set holds no RSA or EC P-256 signing key");
  }
  std::string secret = f.jwt_secret;
  if (secret.empty()) {
    auto made = SigningSecret(engine);
    if (!made) return made.take_error();
    secret = std::move(*made);
  } else if (secret.size() < 32) {
    return Error::Invalid("/jwt-secret", "an HS256 secret must be at least 32 bytes");
  }
  AuthSetup out;
  out.authenticator = std::make_shared<auth::Authenticator>(std::move(keys), secret, options);
  if (!f.jwks.empty())
    out.authenticator->SetJwksSource([source = f.jwks] { return FetchJwks(source); });

  std::vector<auth::User> users;
  if (!f.users_file.empty()) {
    auto text = ReadFile(f.users_file);
    if (!text) return Error::Invalid("/users", "cannot read " + f.users_file);
    auto parsed = auth::ParseUsers(*text);
    if (!parsed) return Error::Invalid("/users" + parsed.error().pointer, parsed.error().message);
    users = std::move(*parsed);
  }
  if (demo) {
    auto view = engine.Read();
    if (!view) return view.take_error();
    auto locations = (*view)->ListLocations();
    if (!locations) return locations.take_error();
    std::vector<std::string> ids;
    for (const auto& l : *locations) ids.push_back(l.id);
    auto demo_users = auth::DemoUsers(ids);
    if (!demo_users) return demo_users.take_error();
    for (auto& u : *demo_users)
      if (!std::any_of(users.begin(), users.end(), [&](const auth::User& x) { return x.username == u.username; }))
        users.push_back(std::move(u));
  }
  out.users = auth::UserDirectory(std::move(users));
  return out;
}

}  // namespace ordo::cli

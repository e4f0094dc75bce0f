#include "auth/authenticator.h"

#include "base/text.h"

namespace ordo::auth {

using nlohmann::json;

namespace {

constexpr std::size_t kCacheMax = 10'000;
constexpr long long kJwksRefetchS = 60;

int Rank(Role r) { return r == Role::kAdmin ? 3 : r == Role::kSeller ? 2 : r == Role::kCustomer ? 1 : 0; }

void TakeRoles(const json& value, Role* best) {
  auto take = [best](const json& v) {
    Role r;
    if (v.is_string() && ParseUserRole(v.get<std::string>(), &r) && Rank(r) > Rank(*best)) *best = r;
  };
  if (value.is_array())
    for (const json& v : value) take(v);
  else
    take(value);
}

}  // namespace

Result<Principal> PrincipalFromClaims(const json& claims) {
  Principal p;
  if (!claims.contains("sub") || !claims["sub"].is_string() || !IsCleanText(claims["sub"].get<std::string>(), 255) ||
      claims["sub"].get<std::string>().empty())
    return Error::Unauthenticated("invalid token: sub is missing");
  p.subject = claims["sub"];
  Role best = Role::kAnonymous;
  if (claims.contains("role")) TakeRoles(claims["role"], &best);
  if (claims.contains("roles")) TakeRoles(claims["roles"], &best);
  if (claims.contains("realm_access") && claims["realm_access"].is_object() && claims["realm_access"].contains("roles"))
    TakeRoles(claims["realm_access"]["roles"], &best);
  if (best == Role::kAnonymous)
    return Error::Unauthenticated("invalid token: it carries no Ordo role (admin, seller or customer)");
  p.role = best;
  if (best == Role::kCustomer) {
    p.customer_id = claims.contains("customer_id") && claims["customer_id"].is_string()
                        ? claims["customer_id"].get<std::string>()
                        : p.subject;
    if (!IsIdentifier(p.customer_id, 128))
      return Error::Unauthenticated("invalid token: customer_id (or sub) is not an identifier");
  }
  if (best == Role::kSeller && claims.contains("locations") && claims["locations"].is_array())
    for (const json& l : claims["locations"])
      if (l.is_string() && IsIdentifier(l.get<std::string>(), 64)) p.locations.push_back(l.get<std::string>());
  if (claims.contains("exp") && claims["exp"].is_number()) p.expires_at_s = static_cast<long long>(claims["exp"].get<double>());
  return p;
}

Authenticator::Authenticator(KeySet keys, std::string signing_secret, AuthOptions options)
    : keys_(std::move(keys)), signing_secret_(std::move(signing_secret)), options_(std::move(options)) {
  if (!signing_secret_.empty()) (void)keys_.AddHmac(signing_secret_);
}

void Authenticator::SetKeyLookup(std::function<std::optional<ApiKey>(const std::string&)> lookup) {
  key_lookup_ = std::move(lookup);
}

void Authenticator::SetJwksSource(std::function<Result<std::string>()> fetch) { jwks_source_ = std::move(fetch); }

Result<Principal> Authenticator::Authenticate(std::string_view authorization, long long now_s) {
  if (authorization.empty()) return Principal{};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); }))
    return Error::Unauthenticated("send credentials as Authorization: Bearer <token or API key>");
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);

  if (auto id = ApiKeyId(token)) {
    std::optional<ApiKey> key = key_lookup_ ? key_lookup_(*id) : std::nullopt;
    if (!key || key->revoked_at != 0 || !KeyMatches(*key, token))
      return Error::Unauthenticated("invalid API key");
    Principal p;
    p.role = Role::kIntegration;
    p.subject = key->id;
    p.scopes = key->scopes;
    return p;
  }
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(token);
    if (it != cache_.end()) {
      if (now_s <= it->second.expires_at_s + options_.policy.leeway_s) return it->second;
      cache_.erase(it);
    }
  }
  auto p = VerifyToken(token, now_s);
  if (!p) return p;
  std::lock_guard lock(cache_mu_);
  if (cache_.size() >= kCacheMax) cache_.clear();
  cache_.emplace(std::string(token), *p);
  return p;
}

Result<Principal> Authenticator::VerifyToken(std::string_view token, long long now_s) {
  Result<json> claims = Error::Unauthenticated("invalid token");
  {
    std::shared_lock lock(keys_mu_);
    claims = VerifyJwt(token, keys_, options_.policy, now_s);
  }
  // An unknown kid may be a key the provider rotated in: fetch its JWKS again.
  if (!claims && claims.error().message.find("no key for") != std::string::npos && RefreshJwks(now_s)) {
    std::shared_lock lock(keys_mu_);
    claims = VerifyJwt(token, keys_, options_.policy, now_s);
  }
  if (!claims) return claims.take_error();
  return PrincipalFromClaims(*claims);
}

bool Authenticator::RefreshJwks(long long now_s) {
  if (!jwks_source_) return false;
  {
    std::shared_lock lock(keys_mu_);
    if (now_s - jwks_fetched_at_ < kJwksRefetchS) return false;
  }
  auto text = jwks_source_();
  std::unique_lock lock(keys_mu_);
  jwks_fetched_at_ = now_s;
  if (!text) return false;
  KeySet fresh;
  if (!signing_secret_.empty()) (void)fresh.AddHmac(signing_secret_);
  auto added = fresh.AddJwks(*text);
  if (!added || *added == 0) return false;
  keys_ = std::move(fresh);
  return true;
}

Result<std::string> Authenticator::IssueFor(const Principal& p, long long now_s, int ttl_s) const {
  if (signing_secret_.empty()) return Error::Precondition("no-signing-key", "this server issues no tokens");
  if (p.role != Role::kAdmin && p.role != Role::kSeller && p.role != Role::kCustomer)
    return Error::Invalid("/role", "tokens are issued for admins, sellers and customers");
  json claims = {{"iss", options_.policy.issuer}, {"aud", options_.policy.audience}, {"sub", p.subject},
                 {"role", RoleName(p.role)},      {"iat", now_s},                    {"exp", now_s + ttl_s}};
  if (p.role == Role::kCustomer) claims["customer_id"] = p.customer_id;
  if (p.role == Role::kSeller) claims["locations"] = p.locations;
  return SignJwt(claims, "HS256", signing_secret_);
}

Result<std::string> Authenticator::Issue(const User& user, long long now_s) const {
  Principal p;
  p.role = user.role;
  p.subject = user.username;
  p.customer_id = user.customer_id;
  p.locations = user.locations;
  return IssueFor(p, now_s, options_.token_ttl_s);
}

}  // namespace ordo::auth

// The authentication endpoints: logging in (POST /v1/auth/token), who am I,
// and the API keys of integrations. Password checks run scrypt (~0.1 s, 32
// MiB) on a worker thread of their own, never on an io thread; a full queue
// answers 429.
#include <nlohmann/json.hpp>

#include "http/api.h"
#include "http/json_io.h"
#include "http/problem.h"

namespace ordo::http {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxQueuedLogins = 32;
}  // namespace

Api::~Api() = default;

void Api::StartLoginWorker() { login_ = std::make_unique<Worker>(kMaxQueuedLogins); }

namespace {

json PrincipalJson(const auth::Principal& p) {
  json j = {{"id", p.Id()}, {"role", auth::RoleName(p.role)}, {"subject", p.subject}};
  if (p.role == auth::Role::kCustomer) j["customer_id"] = p.customer_id;
  if (p.role == auth::Role::kSeller) j["locations"] = p.locations;
  if (p.role == auth::Role::kIntegration) j["scopes"] = p.scopes;
  if (p.expires_at_s) j["expires_at"] = FormatTimestamp(p.expires_at_s * 1000);
  return j;
}

// A string field of a strict body, or a 422 naming it.
Result<std::string> Text(const json& body, const char* key, std::size_t max) {
  if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty() ||
      body[key].get<std::string>().size() > max)
    return Error::Invalid(std::string("/") + key, std::string(key) + " is required (a string of 1-" +
                                                       std::to_string(max) + " characters)");
  return body[key].get<std::string>();
}

Status OnlyFields(const json& body, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return Error::Invalid("/" + key, "unknown field " + key);
  }
  return Ok();
}

}  // namespace

void Api::AuthRoutes() {
  Route("POST", "/v1/auth/token", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    if (auto known = OnlyFields(*body, {"username", "password"}); !known) return respond(ErrorResponse(known.error(), req));
    auto username = Text(*body, "username", 200);
    if (!username) return respond(ErrorResponse(username.error(), req));
    auto password = Text(*body, "password", 200);
    if (!password) return respond(ErrorResponse(password.error(), req));
    if (options_.users.empty() || !options_.auth->can_issue())
      return respond(ErrorResponse(Error::Precondition("no-local-users",
                                                       "this server has no local users (start it with --demo or "
                                                       "--users FILE); use your identity provider's tokens"),
                                   req));
    Request snapshot;
    snapshot.path = req.path;
    snapshot.request_id = req.request_id;
    auto task = [this, user = *username, pw = *password, snapshot, respond, post = req.post]() {
      const auth::User* found = options_.users.Find(user);
      // An unknown user costs the same scrypt run as a wrong password.
      static const std::string kDecoy = *auth::HashPassword("decoy-password-for-timing");
      bool ok = auth::VerifyPassword(pw, found ? found->password_hash : kDecoy) && found;
      Response r;
      if (!ok) {
        r = ErrorResponse(Error::Unauthenticated("wrong username or password"), snapshot);
      } else {
        auto token = options_.auth->Issue(*found, engine_.clock().Now() / 1000);
        r = token ? JsonResponse(200, {{"access_token", *token},
                                       {"token_type", "Bearer"},
                                       {"expires_in", options_.auth->options().token_ttl_s},
                                       {"role", auth::RoleName(found->role)},
                                       {"name", found->name}})
                  : ErrorResponse(token.error(), snapshot);
      }
      post([respond, r = std::move(r)]() mutable { respond(std::move(r)); });
    };
    if (!login_->Post(std::move(task))) {
      Response r = ErrorResponse(Error::Exhausted("rate-limited", "too many logins at once; retry in a second"), req);
      r.headers.emplace_back("Retry-After", "1");
      respond(std::move(r));
    }
  });
  Route("GET", "/v1/auth/me", [](Request& req, Respond respond) { respond(JsonResponse(200, PrincipalJson(req.principal))); });

  // ---- API keys (stored in the configuration document "api_keys", hashed)
  auto stored_keys = [this](std::int64_t* version) -> Result<std::vector<auth::ApiKey>> {
    auto view = engine_.Read();
    if (!view) return view.take_error();
    auto doc = (*view)->GetConfig("api_keys");
    if (!doc) return doc.take_error();
    *version = *doc ? (*doc)->version : 0;
    if (!*doc) return std::vector<auth::ApiKey>{};
    return auth::DecodeApiKeys((*doc)->body);
  };
  auto save = [this](Request& req, Respond respond, std::vector<auth::ApiKey> keys, std::int64_t version, int status,
                     json answer) {
    Submit(req, std::move(respond), engine::PutConfigDoc{"api_keys", auth::EncodeApiKeys(keys), version},
           [this, status, answer](const engine::Outcome&) {
             {
               std::lock_guard lock(api_keys_mu_);
               api_keys_read_at_ = -1;  // this node sees the change at once
             }
             return JsonResponse(status, answer);
           },
           status == 201 ? "/v1/auth/api-keys/" : "");
  };
  Route("POST", "/v1/auth/api-keys", [this, stored_keys, save](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    if (auto known = OnlyFields(*body, {"name", "scopes"}); !known) return respond(ErrorResponse(known.error(), req));
    auto name = Text(*body, "name", 100);
    if (!name) return respond(ErrorResponse(name.error(), req));
    std::vector<std::string> scopes;
    if (!body->contains("scopes") || !(*body)["scopes"].is_array())
      return respond(ErrorResponse(Error::Invalid("/scopes", "scopes is required: an array of erp, wms, metrics"), req));
    const json list = (*body)["scopes"];
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string())
        return respond(ErrorResponse(Error::Invalid("/scopes/" + std::to_string(i), "must be a string"), req));
      scopes.push_back(list[i]);
    }
    auto made = auth::MakeApiKey(*name, std::move(scopes), engine_.clock().Now(), req.principal.Id());
    if (!made) return respond(ErrorResponse(made.error(), req));
    std::int64_t version = 0;
    auto keys = stored_keys(&version);
    if (!keys) return respond(ErrorResponse(keys.error(), req));
    keys->push_back(made->record);
    json answer = auth::ToJson(made->record);
    answer["key"] = made->plaintext;  // shown once
    save(req, std::move(respond), std::move(*keys), version, 201, answer);
  });
  Route("GET", "/v1/auth/api-keys", [stored_keys](Request& req, Respond respond) {
    std::int64_t version = 0;
    auto keys = stored_keys(&version);
    if (!keys) return respond(ErrorResponse(keys.error(), req));
    json items = json::array();
    for (const auto& k : *keys) items.push_back(auth::ToJson(k));
    respond(JsonResponse(200, {{"items", items}}));
  });
  Route("DELETE", "/v1/auth/api-keys/{id}", [this, stored_keys, save](Request& req, Respond respond) {
    std::int64_t version = 0;
    auto keys = stored_keys(&version);
    if (!keys) return respond(ErrorResponse(keys.error(), req));
    for (auto& k : *keys) {
      if (k.id != req.params["id"]) continue;
      if (!k.revoked_at) k.revoked_at = engine_.clock().Now();
      json answer = auth::ToJson(k);
      return save(req, std::move(respond), std::move(*keys), version, 200, answer);
    }
    respond(ErrorResponse(Error::NotFound("no API key with that id"), req));
  });
}

}  // namespace ordo::http

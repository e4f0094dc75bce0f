#include "sim/outbound.h"

#include <algorithm>
#include <chrono>

#include "integrations/signature.h"
#include "sim/reply.h"

namespace ordo::sim {

int BackoffMs(int retry) { return kFirstBackoffMs << (retry < 1 ? 0 : std::min(retry - 1, 16)); }

integrations::HttpResponse PostSigned(const Peer& to, const std::string& message_id, const std::string& body,
                                      long timeout_ms) {
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  integrations::HttpRequest request;
  request.method = "POST";
  request.url = to.url;
  request.body = body;
  request.timeout_ms = timeout_ms;
  request.headers = {{std::string(signature::kIdHeader), message_id},
                     {std::string(signature::kTimestampHeader), std::to_string(now_s)},
                     {std::string(signature::kSignatureHeader), signature::Sign(to.secret, message_id, now_s, body)},
                     {"User-Agent", "ordo-sim"}};
  if (!to.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + to.api_key);
  return integrations::Send(request);
}

bool Succeeded(const integrations::HttpResponse& response) { return response.status >= 200 && response.status < 300; }

bool Retryable(const integrations::HttpResponse& response) {
  return response.status == 0 || response.status >= 500 || response.status == 408 || response.status == 429;
}

std::string Describe(const integrations::HttpResponse& response) {
  return response.status ? "HTTP " + std::to_string(response.status) : response.error;
}

void RegisterPeerConfig(http::Router& router, const std::string& path, const std::string& url_field, std::mutex& mu,
                        Peer& peer) {
  auto shown = [url_field](const Peer& p) {
    return nlohmann::json{{url_field, p.url}, {"api_key_set", !p.api_key.empty()}};
  };
  router.Add("GET", path, [&mu, &peer, shown](http::Request&, http::Respond respond) {
    std::lock_guard lock(mu);
    respond(Json(200, shown(peer)));
  });
  router.Add("PUT", path, [&mu, &peer, shown, url_field](http::Request& r, http::Respond respond) {
    auto body = ParseObject(r.body);
    if (!body) return respond(Problem(body.error(), r));
    if (auto s = OnlyFields(*body, {url_field, "secret", "api_key"}); !s) return respond(Problem(s.error(), r));
    for (const std::string& field : {url_field, std::string("secret"), std::string("api_key")})
      if (body->contains(field) && !(*body)[field].is_string())
        return respond(Problem(Error::Invalid("/" + field, field + " must be a string"), r));
    std::lock_guard lock(mu);
    Peer next = peer;
    next.url = body->value(url_field, next.url);
    next.secret = body->value("secret", next.secret);
    next.api_key = body->value("api_key", next.api_key);
    if (!next.url.empty() && next.url.rfind("http://", 0) != 0 && next.url.rfind("https://", 0) != 0)
      return respond(Problem(Error::Invalid("/" + url_field, url_field + " must be an http:// or https:// URL, or empty"), r));
    if (next.secret.empty()) return respond(Problem(Error::Invalid("/secret", "secret must not be empty"), r));
    peer = next;
    respond(Json(200, shown(peer)));
  });
}

std::string WhsecOf(const std::string& text) { return "whsec_" + signature::Base64Encode(text); }

}  // namespace ordo::sim

// What the simulators send to Ordo (the WMS's status callbacks, the ERP's
// orders): JSON POSTs signed with Standard Webhooks headers
// (integrations/signature.h) and, when a key is set, an
// "Authorization: Bearer" header, over Ordo's one libcurl client
// (integrations/http_client.h). Blocking: call from background threads only,
// never from an io thread.
#pragma once

#include <mutex>
#include <string>

#include "http/router.h"
#include "integrations/http_client.h"

namespace ordo::sim {

// Where to and as whom.
struct Peer {
  std::string url;
  std::string secret;   // "whsec_<base64>" or raw text
  std::string api_key;  // empty: no Authorization header
};

// Attempts of one message before it is given up, and the wait before the
// n-th retry: kFirstBackoffMs · 2^(n-1) (100, 200, 400, 800 ms).
inline constexpr int kAttempts = 5;
inline constexpr int kFirstBackoffMs = 100;
int BackoffMs(int retry);

// webhook-id is `message_id` (the same on every retry of one message);
// webhook-timestamp is the time of this attempt.
integrations::HttpResponse PostSigned(const Peer& to, const std::string& message_id, const std::string& body,
                                      long timeout_ms = 5000);

bool Succeeded(const integrations::HttpResponse& response);
// Worth another attempt with the same body: no answer, 5xx, 408 or 429.
bool Retryable(const integrations::HttpResponse& response);
// "HTTP 503" or the transport error, for logs and views.
std::string Describe(const integrations::HttpResponse& response);

// GET {path} → {url_field: "…", "api_key_set": bool} (no secrets) and PUT {path}
// {url_field?, "secret"?, "api_key"?}: the peer's settings at runtime, under `mu`.
// The URL is http(s) or empty (nothing is sent); a secret is never empty.
void RegisterPeerConfig(http::Router& router, const std::string& path, const std::string& url_field, std::mutex& mu,
                        Peer& peer);

// "whsec_" + base64(text): the simulators' default secrets.
std::string WhsecOf(const std::string& text);

}  // namespace ordo::sim

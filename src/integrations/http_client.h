// Outbound HTTP (libcurl): the one way Ordo calls other systems. Blocking;
// call it from a runner thread, never with a transaction open.
//
// What a caller needs to know after a failure is whether the other system
// may have acted: `sent` says the whole request went out, so a timeout or a
// dropped connection after it leaves the outcome unknown (ask, never repeat
// blindly), while a refused connection means nothing happened.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ordo::integrations {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as application/json when not empty
  long timeout_ms = 5000;
  std::vector<std::string> resolve;  // "host:port:addr" pins (CURLOPT_RESOLVE), e.g. from the SSRF guard
};

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string body;
  std::string error;  // transport error, when status is 0
  bool sent = false;  // the whole request was written (the other side may have acted)
  bool timed_out = false;
};

// Thread-safe; each thread keeps its own connection cache.
HttpResponse Send(const HttpRequest& request);

}  // namespace ordo::integrations

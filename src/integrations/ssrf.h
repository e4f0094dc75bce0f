// The SSRF guard for URLs that users give us (webhook targets): a request to
// them must not reach this machine or its private network. The host is
// resolved here and every address checked; the caller then pins the
// connection to the checked addresses (HttpRequest::resolve), so a DNS answer
// that changes between the check and the call (rebinding) cannot slip by.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace ordo::integrations {

struct Target {
  std::string host;  // as in the URL (brackets removed)
  int port = 0;
  std::vector<std::string> addresses;  // numeric, all allowed
  // CURLOPT_RESOLVE entries ("host:port:addr") that pin the call to `addresses`.
  std::vector<std::string> Pins() const;
};

// kInvalidArgument (pointer /url) for a URL that is not http(s), a host that
// does not resolve, or (unless allow_private) any address that is loopback,
// private (RFC 1918, fc00::/7), link-local, carrier-grade NAT, unspecified,
// multicast, broadcast or reserved.
Result<Target> CheckTarget(const std::string& url, bool allow_private);

// The address rule alone, for a numeric IPv4 or IPv6 address.
bool IsPublicAddress(const std::string& numeric);

}  // namespace ordo::integrations

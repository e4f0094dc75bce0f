#include "integrations/ssrf.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

namespace ordo::integrations {
namespace {

bool PublicV4(std::uint32_t a) {  // host byte order
  auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8)       // 0.0.0.0/8 "this network"
           || in(0x0A000000, 8)    // 10/8
           || in(0x64400000, 10)   // 100.64/10 carrier-grade NAT
           || in(0x7F000000, 8)    // 127/8 loopback
           || in(0xA9FE0000, 16)   // 169.254/16 link-local (cloud metadata)
           || in(0xAC100000, 12)   // 172.16/12
           || in(0xC0000000, 24)   // 192.0.0/24 protocol assignments
           || in(0xC0A80000, 16)   // 192.168/16
           || in(0xC6120000, 15)   // 198.18/15 benchmarking
           || in(0xE0000000, 4)    // 224/4 multicast
           || in(0xF0000000, 4));  // 240/4 reserved, broadcast
}

bool PublicV6(const unsigned char* b) {
  static const unsigned char zero[16] = {};
  if (std::memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if (std::memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)               // ::ffff:a.b.c.d
    return PublicV4((std::uint32_t{b[12]} << 24) | (b[13] << 16) | (b[14] << 8) | b[15]);
  if ((b[0] & 0xfe) == 0xfc) return false;                 // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32 documentation
  return true;
}

}  // namespace

bool IsPublicAddress(const std::string& numeric) {
  in_addr v4{};
  if (inet_pton(AF_INET, numeric.c_str(), &v4) == 1) return PublicV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, numeric.c_str(), &v6) == 1) return PublicV6(v6.s6_addr);
  return false;
}

std::vector<std::string> Target::Pins() const {
  std::vector<std::string> out;
  for (const auto& a : addresses)
    out.push_back(host + ":" + std::to_string(port) + ":" + (a.find(':') != std::string::npos ? "[" + a + "]" : a));
  return out;
}

Result<Target> CheckTarget(const std::string& url, bool allow_private) {
  Target t;
  std::string rest;
  if (url.rfind("https://", 0) == 0) rest = url.substr(8), t.port = 443;
  else if (url.rfind("http://", 0) == 0) rest = url.substr(7), t.port = 80;
  else return Error::Invalid("/url", "url must start with https:// or http://");
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) return Error::Invalid("/url", "url must not carry credentials");
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return Error::Invalid("/url", "url has an unclosed [ in its host");
    t.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    t.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (t.host.empty()) return Error::Invalid("/url", "url has no host");
  if (!port_text.empty()) {
    try {
      std::size_t used = 0;
      t.port = std::stoi(port_text, &used);
      if (used != port_text.size() || t.port < 1 || t.port > 65535) throw std::out_of_range("port");
    } catch (...) {
      return Error::Invalid("/url", "url has an invalid port");
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(t.host.c_str(), nullptr, &hints, &found) != 0 || !found)
    return Error::Invalid("/url", "the host of url does not resolve");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (!inet_ntop(a->ai_family, raw, text, sizeof text)) continue;
    std::string numeric = text;
    if (!allow_private && !IsPublicAddress(numeric))
      return Error::Invalid("/url", "url points to a private, loopback or link-local address (" + numeric +
                                        "); such targets are refused");
    bool seen = false;
    for (const auto& x : t.addresses) seen = seen || x == numeric;
    if (!seen) t.addresses.push_back(numeric);
  }
  if (t.addresses.empty()) return Error::Invalid("/url", "the host of url does not resolve");
  return t;
}

}  // namespace ordo::integrations

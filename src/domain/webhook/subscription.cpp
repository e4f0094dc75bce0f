#include "domain/webhook/subscription.h"

#include <cctype>

namespace ordo::domain {

bool Matches(const Subscription& s, std::string_view type) {
  if (!s.active) return false;
  for (const std::string& pattern : s.event_types) {
    if (pattern == "*" || pattern == type) return true;
    if (pattern.size() > 2 && pattern.ends_with(".*") &&
        type.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1)))
      return true;
  }
  return false;
}

namespace {
bool IsPattern(std::string_view p) {
  if (p == "*") return true;
  if (p.empty() || p.size() > 64) return false;
  std::string_view body = p.ends_with(".*") ? p.substr(0, p.size() - 2) : p;
  if (body.empty()) return false;
  for (char c : body)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_'))
      return false;
  return true;
}
}  // namespace

Status ValidateSubscription(const Subscription& s) {
  std::string_view url = s.url;
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return Error::Invalid("/url", "url must start with https:// or http://");
  if (url.size() > 2000) return Error::Invalid("/url", "url must be at most 2000 characters");
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return Error::Invalid("/url", "url has no host");
  if (authority.find('@') != std::string_view::npos) return Error::Invalid("/url", "url must not carry credentials");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return Error::Invalid("/url", "url has spaces or control characters");
  if (s.event_types.empty() || s.event_types.size() > kMaxEventTypes)
    return Error::Invalid("/event_types", "event_types must list 1 to 50 patterns");
  for (std::size_t i = 0; i < s.event_types.size(); ++i)
    if (!IsPattern(s.event_types[i]))
      return Error::Invalid("/event_types/" + std::to_string(i),
                            "an event type such as order.created, a prefix such as order.*, or *");
  if (s.description.size() > 500) return Error::Invalid("/description", "description must be at most 500 characters");
  return Ok();
}

}  // namespace ordo::domain

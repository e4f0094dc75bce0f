#include "http/request.h"

namespace ordo::http {

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

namespace {
int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <typename F>
void ForEachParam(std::string_view query, F&& f) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (f(PercentDecode(k, true), v)) return;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}
}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string Request::Query(std::string_view key) const {
  std::string out;
  ForEachParam(query, [&](const std::string& k, std::string_view v) {
    if (k != key) return false;
    out = PercentDecode(v, true);
    return true;
  });
  return out;
}

bool Request::HasQuery(std::string_view key) const {
  bool found = false;
  ForEachParam(query, [&](const std::string& k, std::string_view) { return found = (k == key); });
  return found;
}

}  // namespace ordo::http

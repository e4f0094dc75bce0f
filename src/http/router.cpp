#include "http/router.h"

#include "http/problem.h"

namespace ordo::http {
namespace {
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}
}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r{std::move(method), pattern, {}, std::move(handler)};
  for (auto s : Split(pattern)) r.segments.emplace_back(s);
  r.catch_all = !r.segments.empty();
  for (const std::string& seg : r.segments) r.catch_all = r.catch_all && seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
  routes_.push_back(std::move(r));
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& path,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (path[i].empty()) return false;
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
    } else if (seg != path[i]) {
      return false;
    }
  }
  return true;
}

void Router::Dispatch(Request& request, Respond respond) const {
  auto path = Split(request.path);
  std::string allow;
  for (const Route& r : routes_) {
    if (!Match(r, path, nullptr)) continue;
    if (r.method == request.method || (request.method == "HEAD" && r.method == "GET")) {
      Match(r, path, &request.params);
      request.route = r.pattern;
      r.handler(request, std::move(respond));
      return;
    }
    // A catch-all (every segment a parameter: the dashboard's client routes)
    // names no resource: a path only it matches is unknown to other methods (404).
    if (r.catch_all) continue;
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
  }
  if (!allow.empty()) {
    request.route = "(method-not-allowed)";
    Response res = ProblemResponse(405, "method-not-allowed", request.method + " is not allowed here", request);
    res.headers.emplace_back("Allow", allow);
    respond(std::move(res));
    return;
  }
  request.route = "(not-found)";
  respond(ProblemResponse(404, "not-found", "no such resource", request));
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace ordo::http

// The OpenAPI document served at /openapi.json against the routes the real
// Api registers: a route the document does not describe fails here, and so
// does a documented operation that no route serves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "base/clock.h"
#include "engine/engine.h"
#include "events/hub.h"
#include <fstream>
#include <sstream>

#include "http/access.h"
#include "http/api.h"
#include "http/metrics.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::http {
namespace {

using nlohmann::json;
using Route = std::pair<std::string, std::string>;  // (method in lower case, pattern)

// Routes that are not part of the API contract, each for a reason:
//   GET /docs/{file}  the static files of the /docs page (script, stylesheet,
//                     icons, licences); /docs itself is documented.
//   GET /             the dashboard (web/), and GET /{page}, /{page}/{id} its
//                     client-side routes and files: pages for people, not
//                     operations for clients.
const std::set<Route> kUndocumented = {
    {"get", "/docs/{file}"}, {"get", "/"}, {"get", "/{page}"}, {"get", "/{page}/{id}"}};

const char* const kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The serve composition of src/cli/main.cpp, on a fresh SQLite file, with
// every optional route switched on (bench_echo adds POST /v1/echo).
class ApiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<store::TestDir>("ordo-api-routes");
    auto s = store::OpenSqlite({dir_->db()});
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
    engine_ = std::make_unique<engine::Engine>(*store_, clock_, engine::Options{}, &metrics_);
    engine_->Start();
    hub_ = std::make_unique<events::Hub>(*store_);
    api_ = std::make_unique<Api>(*engine_, hub_.get(), metrics_, ApiOptions{.bench_echo = true}, [] { return true; });
  }
  void TearDown() override {
    api_.reset();
    hub_.reset();
    engine_.reset();
    store_.reset();
    dir_.reset();
  }

  std::set<Route> Routes() const {
    std::set<Route> out;
    for (const auto& [method, pattern] : api_->router().Routes()) out.emplace(Lower(method), pattern);
    return out;
  }

  // The document as the server serves it.
  json ServedOpenApi() {
    Request req;
    req.method = "GET";
    req.path = "/openapi.json";
    Response res;
    res.status = 0;
    api_->Handle(req, [&](Response r) { res = std::move(r); });
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.content_type, "application/json");
    json doc = json::parse(res.body, nullptr, false);
    EXPECT_FALSE(doc.is_discarded());
    return doc.is_object() ? doc : json::object();
  }

  static std::set<Route> Documented(const json& doc) {
    std::set<Route> out;
    if (!doc.contains("paths")) return out;
    for (const auto& [path, item] : doc["paths"].items())
      for (const char* method : kMethods)
        if (item.contains(method)) out.emplace(method, path);
    return out;
  }

  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::TestDir> dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<events::Hub> hub_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiRoutesTest, EveryRouteIsDocumented) {
  const std::set<Route> routes = Routes();
  const std::set<Route> documented = Documented(ServedOpenApi());
  ASSERT_FALSE(routes.empty());
  ASSERT_TRUE(routes.count({"post", "/v1/echo"})) << "bench_echo is on: POST /v1/echo must be registered";
  for (const Route& route : routes) {
    if (kUndocumented.count(route)) continue;
    EXPECT_TRUE(documented.count(route)) << route.first << " " << route.second
                                         << " is served but src/http/openapi.json does not describe it";
  }
}

// The dashboard answers "/" and its client-side routes with index.html, its hashed files with a
// long cache; every API path still reaches the API (the fallback routes are registered last).
TEST_F(ApiRoutesTest, TheDashboardIsServedAtRootWithAFallbackForClientRoutes) {
  auto get = [&](const std::string& path) {
    Request req;
    req.method = "GET";
    req.path = path;
    Response res;
    res.status = 0;
    api_->Handle(req, [&](Response r) { res = std::move(r); });
    return res;
  };
  auto header = [](const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string();
  };
  const auto routes = api_->router().Routes();
  ASSERT_GE(routes.size(), 2u);
  EXPECT_EQ(routes[routes.size() - 2].second, "/{page}");
  EXPECT_EQ(routes.back().second, "/{page}/{id}");

  Response root = get("/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.content_type, "text/html; charset=utf-8");
  EXPECT_NE(root.body.find("<div id=\"root\">"), std::string::npos);
  EXPECT_EQ(header(root, "Cache-Control"), "no-cache");
  for (const char* client_route : {"/orders", "/orders/ord_01JDQ8ZK3V7M4T9X2C5B8N1R6F", "/login", "/shop"}) {
    Response page = get(client_route);
    EXPECT_EQ(page.status, 200) << client_route;
    EXPECT_EQ(page.body, root.body) << client_route;
  }
  // The page's script and stylesheet are served, named by hash and cached for good.
  std::size_t at = root.body.find("src=\"/assets/");
  ASSERT_NE(at, std::string::npos);
  std::string script = root.body.substr(at + 5, root.body.find('"', at + 5) - at - 5);
  Response js = get(script);
  EXPECT_EQ(js.status, 200) << script;
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  // API and operations paths are never the page.
  EXPECT_EQ(get("/v1/nope").status, 404);
  EXPECT_EQ(get("/v1").status, 404);
  EXPECT_EQ(get("/docs/nope.js").status, 404);
  EXPECT_EQ(get("/assets/missing-123.js").status, 404);
  EXPECT_EQ(get("/favicon.ico").status, 404);
  EXPECT_EQ(get("/v1/orders").status, 401);  // the API route, not the fallback
  EXPECT_EQ(get("/livez").status, 200);
  EXPECT_EQ(get("/docs").content_type, "text/html; charset=utf-8");
}

TEST_F(ApiRoutesTest, EveryDocumentedOperationIsRouted) {
  const std::set<Route> routes = Routes();
  const std::set<Route> documented = Documented(ServedOpenApi());
  ASSERT_FALSE(documented.empty());
  for (const Route& op : documented)
    EXPECT_TRUE(routes.count(op)) << op.first << " " << op.second
                                  << " is described in src/http/openapi.json but no route serves it";
}

// The exceptions stay few and real: each names a route that exists, and none is documented anyway.
TEST_F(ApiRoutesTest, UndocumentedRoutesAreOnlyTheListedOnes) {
  const std::set<Route> routes = Routes();
  const std::set<Route> documented = Documented(ServedOpenApi());
  for (const Route& route : kUndocumented) {
    const std::string name = route.first + " " + route.second;
    EXPECT_TRUE(routes.count(route)) << name << " is no longer a route: drop it from the list";
    EXPECT_FALSE(documented.count(route)) << name << " is documented: drop it from the list";
  }
}

// The published matrix is the enforced one: every operation of the document
// carries x-ordo-access equal to its rule in access.cpp.
TEST_F(ApiRoutesTest, EveryOperationPublishesItsAccessRule) {
  const json doc = ServedOpenApi();
  ASSERT_TRUE(doc.contains("paths"));
  int checked = 0;
  for (const auto& [path, item] : doc["paths"].items())
    for (const char* method : kMethods) {
      if (!item.contains(method)) continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const AccessRule* rule = FindAccessRule(upper, path);
      ASSERT_NE(rule, nullptr) << upper << " " << path << " has no rule in access.cpp";
      ASSERT_TRUE(item[method].contains("x-ordo-access")) << upper << " " << path;
      EXPECT_EQ(item[method]["x-ordo-access"], AccessJson(*rule)) << upper << " " << path;
      // Public operations say so to OpenAPI tools too.
      bool open = rule->anonymous == Access::kAll;
      EXPECT_EQ(item[method].contains("security") && item[method]["security"].empty(), open) << upper << " " << path;
      ++checked;
    }
  EXPECT_GT(checked, 40);
}

TEST_F(ApiRoutesTest, TheAuthorizationDocHoldsTheMatrixVerbatim) {
  std::ifstream in(std::string(ORDO_SOURCE_DIR) + "/docs/AUTHORIZATION.md");
  ASSERT_TRUE(in) << "docs/AUTHORIZATION.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(AccessMarkdown()), std::string::npos)
      << "docs/AUTHORIZATION.md is out of date; its table is http::AccessMarkdown():\n" << AccessMarkdown();
}

}  // namespace
}  // namespace ordo::http

#include "assets/assets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ordo::assets {
namespace {

using nlohmann::json;

json OpenApi() {
  auto asset = Find("/openapi.json");
  EXPECT_TRUE(asset.has_value());
  if (!asset) return json::object();
  return json::parse(asset->body);
}

std::string Body(std::string_view path) {
  auto asset = Find(path);
  EXPECT_TRUE(asset.has_value()) << path;
  return asset ? std::string(asset->body) : std::string();
}

TEST(Assets, OpenApiIsJsonOfVersion31) {
  auto asset = Find("/openapi.json");
  ASSERT_TRUE(asset.has_value());
  EXPECT_EQ(asset->content_type, "application/json");
  json doc = json::parse(asset->body);
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.1.", 0), 0u) << doc["openapi"];
  EXPECT_EQ(doc["servers"].at(0)["url"], "http://127.0.0.1:8080");
}

TEST(Assets, OpenApiDescribesEveryEndpoint) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"put", "/v1/products/{sku}"},
      {"get", "/v1/products"},
      {"get", "/v1/products/{sku}"},
      {"put", "/v1/locations/{id}"},
      {"get", "/v1/locations"},
      {"get", "/v1/locations/{id}"},
      {"put", "/v1/stock/{location_id}/{sku}"},
      {"post", "/v1/stock/adjustments"},
      {"get", "/v1/stock"},
      {"get", "/v1/reservations"},
      {"post", "/v1/orders"},
      {"get", "/v1/orders"},
      {"get", "/v1/orders/{id}"},
      {"get", "/v1/orders/{id}/events"},
      {"get", "/v1/orders/{id}/stream"},
      {"get", "/v1/events/stream"},
      {"post", "/v1/orders/{id}/confirm"},
      {"post", "/v1/orders/{id}/pay"},
      {"post", "/v1/orders/{id}/ship"},
      {"post", "/v1/orders/{id}/deliver"},
      {"post", "/v1/orders/{id}/cancel"},
      {"post", "/v1/orders/{id}/refund"},
      {"patch", "/v1/orders/{id}/status"},
      {"get", "/v1/jobs"},
      {"get", "/v1/jobs/stats"},
      {"get", "/v1/jobs/{id}"},
      {"post", "/v1/jobs/{id}/retry"},
      {"post", "/v1/webhooks"},
      {"get", "/v1/webhooks"},
      {"get", "/v1/webhooks/{id}"},
      {"delete", "/v1/webhooks/{id}"},
      {"get", "/v1/webhooks/{id}/deliveries"},
      {"get", "/v1/config/workflow"},
      {"put", "/v1/config/workflow"},
      {"get", "/v1/config/branding"},
      {"put", "/v1/config/branding"},
      {"post", "/v1/echo"},
      {"get", "/livez"},
      {"get", "/readyz"},
      {"get", "/metrics"},
      {"get", "/openapi.json"},
      {"get", "/docs"},
      {"post", "/v1/auth/token"},
      {"get", "/v1/auth/me"},
      {"post", "/v1/auth/api-keys"},
      {"get", "/v1/auth/api-keys"},
      {"delete", "/v1/auth/api-keys/{id}"},
      {"post", "/v1/integrations/erp/orders"},
      {"post", "/v1/integrations/wms/events"},
      {"get", "/v1/reconciliation"},
      {"get", "/v1/reconciliation/history"},
      {"get", "/v1/reconciliation/history/{id}"},
      {"post", "/v1/reconciliation/run"},
      {"get", "/v1/admin/chaos"},
      {"put", "/v1/admin/chaos"},
      {"post", "/v1/admin/demo/orders"},
      {"post", "/v1/admin/reset"},
  };
  json doc = OpenApi();
  const json& paths = doc.at("paths");
  std::set<std::string> expected_paths;
  for (const auto& [method, path] : expected) {
    expected_paths.insert(path);
    ASSERT_TRUE(paths.contains(path)) << path;
    EXPECT_TRUE(paths[path].contains(method)) << method << " " << path;
  }
  for (const auto& [path, item] : paths.items()) EXPECT_TRUE(expected_paths.count(path)) << "undocumented in the test: " << path;
}

TEST(Assets, OpenApiOperationsAreTaggedAndIdempotentPostsTakeAKey) {
  const std::set<std::string> tags = {"catalogue", "events", "locations", "stock",      "orders", "lifecycle",
                                      "jobs",      "webhooks", "config", "operations", "auth",     "integrations",
                                      "reconciliation", "admin"};
  json doc = OpenApi();
  std::set<std::string> declared;
  for (const json& tag : doc.at("tags")) declared.insert(tag.at("name").get<std::string>());
  EXPECT_EQ(declared, tags);
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      ASSERT_TRUE(op.contains("tags")) << method << " " << path;
      for (const json& tag : op["tags"]) EXPECT_TRUE(tags.count(tag.get<std::string>())) << tag;
      // Logging in and the echo benchmark create nothing.
      if ((method == "post" && path != "/v1/echo" && path != "/v1/auth/token") || method == "patch") {
        bool has_key = false;
        for (const json& p : op.value("parameters", json::array()))
          has_key |= p.value("$ref", "") == "#/components/parameters/IdempotencyKey";
        EXPECT_TRUE(has_key) << method << " " << path << " takes no Idempotency-Key";
      }
    }
  }
}

TEST(Assets, OpenApiHasTheComponentsAndEveryProblemType) {
  json doc = OpenApi();
  const json& components = doc.at("components");
  for (const char* name : {"Product", "ProductInput", "Location", "LocationInput", "StockLevel", "StockSetInput",
                           "StockAdjustmentInput", "Reservation", "OrderInput", "Order", "OrderLine", "Address",
                           "Allocation", "Event", "ProductList", "OrderList", "Problem", "OrderPayment",
                           "PaymentStatus", "PayInput", "ShipInput", "RefundInput", "StatusChangeInput", "Job",
                           "JobAttempt", "JobDetail", "JobList", "JobStats", "Workflow", "WorkflowInput", "Branding",
                           "BrandingInput", "WebhookSubscription", "WebhookSubscriptionInput",
                           "WebhookSubscriptionCreated", "WebhookSubscriptionList", "WebhookDeliveryList",
                           "WebhookPayload", "ErpOrderInput", "OrderWms", "WmsEventInput", "WmsEventResult"})
    EXPECT_TRUE(components.at("schemas").contains(name)) << name;
  for (const char* name :
       {"Limit", "Cursor", "IdempotencyKey", "RequestId", "OrderIdPath", "JobIdPath", "WebhookIdPath"})
    EXPECT_TRUE(components.at("parameters").contains(name)) << name;

  const std::vector<std::pair<std::string, int>> problems = {
      {"malformed-json", 400},         {"unsupported-media-type", 415}, {"payload-too-large", 413},
      {"header-too-large", 431},       {"validation", 422},             {"not-found", 404},
      {"method-not-allowed", 405},     {"insufficient-stock", 409},     {"invalid-transition", 409},
      {"stock-below-reserved", 409},   {"stock-version-mismatch", 409}, {"idempotency-key-reused", 422},
      {"idempotency-key-in-flight", 409}, {"unavailable", 503},         {"internal", 500},
      {"status-not-settable", 409},    {"nothing-to-ship", 409},        {"payment-in-progress", 409},
      {"already-paid", 409},           {"refund-exceeds-captured", 409}, {"refund-exceeds-ordered", 409},
      {"job-not-dead", 409},           {"version-conflict", 409},       {"too-many-subscriptions", 409},
      {"invalid-signature", 401},      {"unknown-product", 422},        {"integration-not-configured", 503},
  };
  std::map<std::string, int> seen;  // problem type -> status, from the examples
  for (const auto& [name, example] : components.at("examples").items())
    seen[example.at("value").at("type").get<std::string>()] = example["value"].at("status").get<int>();
  for (const auto& [slug, status] : problems) {
    const std::string type = "https://ordo.dev/problems/" + slug;
    ASSERT_TRUE(seen.count(type)) << type;
    EXPECT_EQ(seen[type], status) << type;
  }
}

// What a webhook subscriber needs: the delivery (a callback of POST /v1/webhooks)
// with its Standard Webhooks headers and body, and the secret only on creation.
TEST(Assets, OpenApiDescribesWebhookDeliveries) {
  json doc = OpenApi();
  const json& create = doc.at("paths").at("/v1/webhooks").at("post");
  const json& delivery = create.at("callbacks").at("delivery").at("{$request.body#/url}").at("post");
  std::set<std::string> headers;
  for (const json& p : delivery.at("parameters"))
    if (p.value("in", "") == "header") headers.insert(p.at("name").get<std::string>());
  for (const char* name : {"webhook-id", "webhook-timestamp", "webhook-signature"})
    EXPECT_TRUE(headers.count(name)) << name;
  EXPECT_EQ(delivery.at("requestBody").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/WebhookPayload");
  for (const char* status : {"2XX", "410", "default"}) EXPECT_TRUE(delivery.at("responses").contains(status)) << status;
  const json& schemas = doc.at("components").at("schemas");
  const json& created = schemas.at("WebhookSubscriptionCreated");
  EXPECT_EQ(created.at("allOf").at(1).at("required"), json::array({"secret"}));
  EXPECT_FALSE(schemas.at("WebhookSubscription").at("properties").contains("secret"));
  std::string tag;
  for (const json& t : doc.at("tags"))
    if (t.at("name") == "webhooks") tag = t.at("description").get<std::string>();
  for (const char* phrase : {"webhook-id", "webhook-timestamp", "webhook-signature", "HMAC-SHA256", "410",
                             "--webhooks-allow-private", "/url"})
    EXPECT_NE(tag.find(phrase), std::string::npos) << phrase;
}

// Every "$ref" points at something inside the document.
void CheckRefs(const json& doc, const json& node, const std::string& where) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") {
        const std::string ref = value.get<std::string>();
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << where;
        EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << where << ": " << ref;
      } else {
        CheckRefs(doc, value, where + "/" + key);
      }
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) CheckRefs(doc, node[i], where + "/" + std::to_string(i));
  }
}

TEST(Assets, OpenApiRefsResolve) {
  json doc = OpenApi();
  CheckRefs(doc, doc, "#");
}

TEST(Assets, DocsPageLoadsTheEmbeddedBundleOnly) {
  for (const char* path : {"/docs", "/docs/", "/docs/index.html"}) {
    auto asset = Find(path);
    ASSERT_TRUE(asset.has_value()) << path;
    EXPECT_EQ(asset->content_type, "text/html; charset=utf-8");
  }
  const std::string html = Body("/docs");
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("src=\"/docs/swagger-ui-bundle.js\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/docs/swagger-ui.css\""), std::string::npos);
  EXPECT_NE(html.find("src=\"/docs/init.js\""), std::string::npos);
  EXPECT_EQ(html.find("@SWAGGER_UI_VERSION@"), std::string::npos);
  // Nothing from another origin, no inline script or style (Content-Security-Policy).
  EXPECT_EQ(html.find("//"), std::string::npos);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find(" style="), std::string::npos);
  std::regex script(R"re(<script\b([^>]*)>)re");
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script); it != std::sregex_iterator(); ++it, ++scripts)
    EXPECT_NE((*it)[1].str().find("src=\""), std::string::npos) << "inline script: " << it->str();
  EXPECT_EQ(scripts, 2);
  // Every page-relative reference is served from the binary too.
  std::regex reference(R"re((?:src|href)="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), reference); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(Find((*it)[1].str()).has_value()) << (*it)[1];

  const std::string init = Body("/docs/init.js");
  EXPECT_EQ(Find("/docs/init.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(init.find("\"/openapi.json\""), std::string::npos);
  EXPECT_NE(init.find("SwaggerUIBundle("), std::string::npos);
  EXPECT_NE(init.find("validatorUrl: null"), std::string::npos);
}

TEST(Assets, BundleAndStylesheetAreThere) {
  auto bundle = Find("/docs/swagger-ui-bundle.js");
  ASSERT_TRUE(bundle.has_value());
  EXPECT_EQ(bundle->content_type, "text/javascript; charset=utf-8");
  EXPECT_GT(bundle->body.size(), 500'000u);
  EXPECT_NE(bundle->body.find("SwaggerUIBundle"), std::string_view::npos);

  auto css = Find("/docs/swagger-ui.css");
  ASSERT_TRUE(css.has_value());
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_GT(css->body.size(), 50'000u);
  EXPECT_NE(css->body.find(".swagger-ui"), std::string_view::npos);

  auto own_css = Find("/docs/docs.css");
  ASSERT_TRUE(own_css.has_value());
  EXPECT_EQ(own_css->content_type, "text/css; charset=utf-8");

  auto icon = Find("/docs/favicon-32x32.png");
  ASSERT_TRUE(icon.has_value());
  EXPECT_EQ(icon->content_type, "image/png");
  EXPECT_EQ(icon->body.substr(0, 8), std::string_view("\x89PNG\r\n\x1a\n", 8));

  for (const char* path : {"/docs/swagger-ui-LICENSE.txt", "/docs/swagger-ui-NOTICE.txt",
                           "/docs/swagger-ui-bundle.js.LICENSE.txt"}) {
    auto text = Find(path);
    ASSERT_TRUE(text.has_value()) << path;
    EXPECT_EQ(text->content_type, "text/plain; charset=utf-8");
    EXPECT_FALSE(text->body.empty()) << path;
  }
  EXPECT_NE(Find("/docs/swagger-ui-LICENSE.txt")->body.find("Apache License"), std::string_view::npos);
}

TEST(Assets, BodiesAreStableAndNulTerminated) {
  auto a = Find("/docs");
  auto b = Find("/docs/");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body.data(), b->body.data());
  for (const char* path : {"/openapi.json", "/docs", "/docs/init.js", "/docs/swagger-ui.css"}) {
    auto asset = Find(path);
    ASSERT_TRUE(asset.has_value());
    EXPECT_EQ(asset->body.data()[asset->body.size()], '\0') << path;
  }
}

TEST(Assets, QueryStringIsIgnored) {
  auto plain = Find("/openapi.json");
  auto query = Find("/openapi.json?download=1");
  ASSERT_TRUE(plain && query);
  EXPECT_EQ(plain->body.data(), query->body.data());
  EXPECT_TRUE(Find("/docs/#/orders").has_value());
}

TEST(Assets, UnknownPathsAreNotFound) {
  for (const char* path : {"", "/", "/openapi.yaml", "/OPENAPI.JSON", "/openapi.json/", "/docs//", "/docs/nope.js",
                           "/docs/../openapi.json", "/docs/swagger-ui-bundle.js.map", "/docs/swagger-ui.css.map",
                           "/docs/index.js", "docs", "/v1/orders", "/docsx"})
    EXPECT_FALSE(Find(path).has_value()) << path;
}

// The dashboard (web/, built by Vite): its page loads only files of the pack, from this origin,
// with no inline script (the Content-Security-Policy forbids them).
TEST(Assets, DashboardPageLoadsOnlyItsOwnFiles) {
  Asset index = DashboardIndex();
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  const std::string html(index.body);
  EXPECT_NE(html.find("<div id=\"root\"></div>"), std::string::npos);
  std::regex script(R"re(<script\b([^>]*)>)re");
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script); it != std::sregex_iterator(); ++it, ++scripts)
    EXPECT_NE((*it)[1].str().find("src=\"/assets/"), std::string::npos) << "inline or foreign script: " << it->str();
  EXPECT_GE(scripts, 1);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  std::regex reference(R"re((?:src|href)="(/[^"]*)")re");
  int references = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), reference); it != std::sregex_iterator(); ++it, ++references) {
    auto file = FindDashboard((*it)[1].str());
    ASSERT_TRUE(file.has_value()) << (*it)[1];
    EXPECT_FALSE(file->body.empty());
    EXPECT_EQ(file->body.data()[file->body.size()], '\0');
  }
  EXPECT_GE(references, 2);  // the script and the stylesheet
}

TEST(Assets, DashboardFilesAreHashedTypedAndLicensed) {
  auto paths = DashboardPaths();
  ASSERT_FALSE(paths.empty());
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  int js = 0, css = 0;
  std::regex hashed(R"re(^/assets/[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{6,}\.(js|css)$)re");
  for (std::string_view p : paths) {
    auto file = FindDashboard(p);
    ASSERT_TRUE(file.has_value()) << p;
    if (p.rfind("/assets/", 0) == 0) {
      EXPECT_TRUE(std::regex_match(std::string(p), hashed)) << p;
    }
    if (p.ends_with(".js")) { ++js; EXPECT_EQ(file->content_type, "text/javascript; charset=utf-8"); }
    if (p.ends_with(".css")) { ++css; EXPECT_EQ(file->content_type, "text/css; charset=utf-8"); }
  }
  EXPECT_GE(js, 1);
  EXPECT_GE(css, 1);
  auto licences = FindDashboard("/licenses.txt");
  ASSERT_TRUE(licences.has_value());
  EXPECT_NE(licences->body.find("react "), std::string_view::npos);
  EXPECT_NE(licences->body.find("MIT"), std::string_view::npos);
}

TEST(Assets, DashboardUnknownPathsAreNotFound) {
  for (const char* path : {"", "/", "/orders", "/assets/", "/assets/nope.js", "/index.htm", "/openapi.json", "/docs",
                           "/../index.html", "/INDEX.HTML"})
    EXPECT_FALSE(FindDashboard(path).has_value()) << path;
  EXPECT_TRUE(FindDashboard("/index.html?x=1").has_value());
}

}  // namespace
}  // namespace ordo::assets

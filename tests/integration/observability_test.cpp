// 7. Observability basics: request ids, metrics, probes, OpenAPI and docs.
#include <regex>
#include <set>
#include <sstream>

#include "test_util.h"

namespace ordo::itest {
namespace {

bool ValidRequestId(const std::string& id) {
  static const std::regex re("[A-Za-z0-9._-]{1,128}");
  return std::regex_match(id, re);
}

struct ObservabilityTag {};
using Observability = SharedServerTest<ObservabilityTag>;

TEST_F(Observability, EveryResponseHasARequestId) {
  std::vector<HttpRequest> requests;
  auto add = [&](std::string method, std::string path, std::string body = "", std::string type = "application/json") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.has_body = !r.body.empty();
    r.content_type = std::move(type);
    requests.push_back(r);
  };
  add("GET", "/livez");
  add("GET", "/readyz");
  add("GET", "/metrics");
  add("GET", "/openapi.json");
  add("GET", "/docs");
  add("GET", "/v1/orders?limit=1");
  add("GET", "/v1/stock?sku=SKU-0001");
  add("POST", "/v1/orders", OrderBody().dump());                          // 201
  add("POST", "/v1/orders", OrderBody("SKU-0001", 0).dump());             // 422
  add("POST", "/v1/orders", "{", "application/json");                     // 400
  add("POST", "/v1/orders", OrderBody().dump(), "text/plain");            // 415
  add("GET", "/v1/orders/ord_missing");                                   // 404
  add("DELETE", "/v1/orders");                                            // 405
  add("POST", "/v1/orders", OrderBody("SKU-0001", 1000000).dump());       // 409
  {
    HttpRequest big;  // 413, refused while reading the headers
    big.method = "POST";
    big.path = "/v1/orders";
    big.body = std::string((1 << 20) + 10, ' ');
    big.has_body = true;
    big.expect_continue = true;
    requests.push_back(big);
  }
  std::set<std::string> seen;
  for (const auto& req : requests) {
    HttpClient client(server_->url());
    HttpResponse r = client.Send(req);
    SCOPED_TRACE(req.method + " " + req.path + " → " + std::to_string(r.status));
    ASSERT_NE(r.status, 0) << r.Describe();
    EXPECT_LT(r.status, 500) << r.Describe();
    std::string id = r.Header("X-Request-Id");
    EXPECT_TRUE(ValidRequestId(id)) << "X-Request-Id '" << id << "'";
    EXPECT_TRUE(id.empty() || seen.insert(id).second) << "request id " << id << " was given twice";
    if (r.status >= 400) {
      json body = r.Json();
      EXPECT_EQ(body.value("request_id", ""), id) << "problem body request_id differs: " << r.body;
    }
  }
}

TEST_F(Observability, AValidClientRequestIdIsEchoed) {
  HttpClient client(server_->url());
  const std::string mine = "client-req.42_abc";
  HttpResponse get = client.Get("/v1/orders?limit=1", {{"X-Request-Id", mine}});
  EXPECT_EQ(get.Header("X-Request-Id"), mine);
  HttpResponse created = client.Post("/v1/orders", OrderBody(), {{"X-Request-Id", mine + "-2"}});
  EXPECT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(created.Header("X-Request-Id"), mine + "-2");
  HttpResponse invalid = client.Post("/v1/orders", OrderBody("SKU-0001", -1), {{"X-Request-Id", mine + "-3"}});
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(invalid.Header("X-Request-Id"), mine + "-3");
  EXPECT_EQ(invalid.Json().value("request_id", ""), mine + "-3");

  // Invalid ids are replaced, not echoed.
  for (std::string bad : {std::string("has spaces"), std::string(129, 'a'), std::string("<script>"),
                          std::string("semi;colon")}) {
    HttpResponse r = client.Get("/livez", {{"X-Request-Id", bad}});
    std::string id = r.Header("X-Request-Id");
    EXPECT_NE(id, bad);
    EXPECT_TRUE(ValidRequestId(id)) << "X-Request-Id '" << id << "' for a client id '" << bad << "'";
  }
}

TEST_F(Observability, MetricsExposeRequestDurationsAndOrders) {
  HttpClient client(server_->url());
  HttpResponse placed = client.Post("/v1/orders", OrderBody("SKU-0011", 1));
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  HttpResponse metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.Describe();
  EXPECT_EQ(metrics.Header("content-type").rfind("text/plain", 0), 0u) << metrics.Header("content-type");
  EXPECT_NE(metrics.body.find("ordo_http_request_duration_seconds"), std::string::npos);
  EXPECT_NE(metrics.body.find("ordo_orders_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE ordo_http_request_duration_seconds histogram"), std::string::npos);
  double placed_before = Sample(metrics.body, "ordo_orders_total{outcome=\"placed\"}");
  EXPECT_GE(placed_before, 1) << metrics.body.substr(0, 2000);
  // The counter moves with the next order.
  ASSERT_EQ(client.Post("/v1/orders", OrderBody("SKU-0011", 1)).status, 201);
  HttpResponse again = client.Get("/metrics");
  EXPECT_EQ(Sample(again.body, "ordo_orders_total{outcome=\"placed\"}"), placed_before + 1);
}

TEST_F(Observability, ProbesOpenApiAndDocs) {
  HttpClient client(server_->url());
  HttpResponse livez = client.Get("/livez");
  EXPECT_EQ(livez.status, 200) << livez.Describe();
  HttpResponse readyz = client.Get("/readyz");
  EXPECT_EQ(readyz.status, 200) << readyz.Describe();

  HttpResponse openapi = client.Get("/openapi.json");
  ASSERT_EQ(openapi.status, 200) << openapi.Describe();
  EXPECT_NE(openapi.Header("content-type").find("json"), std::string::npos) << openapi.Header("content-type");
  json spec = openapi.Json();
  ASSERT_TRUE(spec.is_object()) << "openapi.json is not JSON";
  ASSERT_TRUE(spec.contains("openapi") && spec["openapi"].is_string());
  EXPECT_EQ(spec["openapi"].get<std::string>().rfind("3.1.", 0), 0u) << spec["openapi"];
  EXPECT_TRUE(spec.contains("paths") && spec["paths"].contains("/v1/orders"));

  HttpResponse docs = client.Get("/docs");
  ASSERT_EQ(docs.status, 200) << docs.Describe();
  EXPECT_EQ(docs.Header("content-type").rfind("text/html", 0), 0u) << docs.Header("content-type");
  std::string lower = docs.body;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(lower.find("<html"), std::string::npos) << docs.body.substr(0, 300);
}

}  // namespace
}  // namespace ordo::itest

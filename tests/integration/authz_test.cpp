// The authorisation matrix over HTTP: every operation the served OpenAPI
// document lists is called as each kind of caller — anonymous, two
// customers, two sellers, an admin and an API key — and the answer must be
// what the operation's published `x-ordo-access` says. Denied calls must
// change nothing, and no answer may carry another user's data.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <set>

#include "integrations/signature.h"
#include "test_util.h"

namespace ordo::itest {
namespace {

class Authz : public OnBackend {};

// The integrations' signing secrets: their endpoints answer what the matrix
// says only to callers who also sign (otherwise 401 invalid-signature).
constexpr const char* kErpSecret = "authz-erp-signing-secret";
constexpr const char* kWmsSecret = "authz-wms-signing-secret";
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Authz, kAllBackends, BackendParamName);

struct Caller {
  std::string name;
  std::string role;           // the key of x-ordo-access: anonymous, customer, seller, admin, integration
  std::string authorization;  // "" = none
  bool owner = false;         // customer A / seller A: the owner of the test's objects
};

// What an answer says about authorisation.
enum class Verdict { kAllowed, kUnauthenticated, kForbidden, kHidden };
const char* Name(Verdict v) {
  switch (v) {
    case Verdict::kAllowed: return "allowed";
    case Verdict::kUnauthenticated: return "401";
    case Verdict::kForbidden: return "403";
    case Verdict::kHidden: return "404 (hidden)";
  }
  return "?";
}

// A GET whose answer may be an endless stream: the status line and what
// arrives within `wait`.
HttpResponse RawGet(int port, const std::string& path, const std::string& authorization,
                    std::chrono::milliseconds wait = 400ms) {
  HttpResponse out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return ::close(fd), out;
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!authorization.empty()) req += "Authorization: " + authorization + "\r\n";
  req += "\r\n";
  if (::send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) return ::close(fd), out;
  const long us = static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(wait).count());
  timeval tv{us / 1'000'000, static_cast<suseconds_t>(us % 1'000'000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (text.rfind("HTTP/1.1 ", 0) == 0) out.status = std::stol(text.substr(9, 3));
  out.body = text;
  return out;
}

class Matrix {
 public:
  explicit Matrix(OrdoServer& server) : server_(server), admin_(server.url()) {}

  // Locations L-A (seller A's) and L-B (seller B's); SKU AZ-A stocked only at
  // L-A, AZ-B only at L-B; customer A's order at L-A, customer B's at L-B.
  void SetUp() {
    for (const auto& [id, lat] : {std::pair{"az-loc-a", 52.5}, {"az-loc-b", 48.1}})
      ASSERT_EQ(admin_.Put("/v1/locations/" + std::string(id),
                           json{{"name", id}, {"kind", "warehouse"}, {"lat", lat}, {"lng", 13.4}, {"active", true}})
                    .status / 100, 2);
    for (const auto& [sku, loc] : {std::pair{"AZ-A", "az-loc-a"}, {"AZ-B", "az-loc-b"}}) {
      ASSERT_EQ(admin_.Put("/v1/products/" + std::string(sku), json{{"name", sku}, {"price", "10.00"}, {"currency", "EUR"}})
                    .status / 100, 2);
      ASSERT_EQ(admin_.Put("/v1/stock/" + std::string(loc) + "/" + sku, json{{"on_hand", 1000}}).status, 200);
    }
    order_a_ = Place(customer_a_, "AZ-A", "Alice Secretname");
    order_b_ = Place(customer_b_, "AZ-B", "Bob Hiddenname");
    ASSERT_FALSE(order_a_.empty());
    ASSERT_FALSE(order_b_.empty());
    // A job to read (a charge: no gateway is configured, so it waits in the queue).
    std::string order_c = Place(TestToken("customer", "cus_az_c"), "AZ-A", "Carol");
    ASSERT_EQ(admin_.Post("/v1/orders/" + order_c + "/pay", json{{"payment_method", {{"token", "tok_visa"}}}}).status, 200);
    HttpResponse jobs = admin_.Get("/v1/jobs?order_id=" + order_c);
    ASSERT_EQ(jobs.status, 200) << jobs.Describe();
    ASSERT_FALSE(jobs.Json()["items"].empty()) << jobs.Describe();
    job_id_ = jobs.Json()["items"][0]["id"];
    HttpResponse key = admin_.Post("/v1/auth/api-keys", json{{"name", "scraper"}, {"scopes", {"metrics"}}});
    ASSERT_EQ(key.status, 201) << key.Describe();
    metrics_key_ = key.Json()["key"];
    webhook_id_ = NewWebhook();
    ASSERT_FALSE(webhook_id_.empty());
  }

  std::vector<Caller> Callers() const {
    return {{"anonymous", "anonymous", "", false},
            {"customer A", "customer", Bearer(customer_a_), true},
            {"customer B", "customer", Bearer(customer_b_), false},
            {"seller A", "seller", Bearer(TestToken("seller", "seller-a", {"az-loc-a"})), true},
            {"seller B", "seller", Bearer(TestToken("seller", "seller-b", {"az-loc-b"})), false},
            {"admin", "admin", Bearer(TestToken("admin", "az-admin")), true},
            {"API key (metrics)", "integration", "Bearer " + metrics_key_, false}};
  }

  // The {id} a call of `method pattern` works on: A's objects, or a fresh
  // one to delete (made before the call, so a denied call's check sees it).
  std::string Prepare(const std::string& method, const std::string& pattern) {
    if (pattern.rfind("/v1/jobs", 0) == 0) return job_id_;
    if (pattern.rfind("/v1/webhooks", 0) == 0) return method == "DELETE" ? NewWebhook() : webhook_id_;
    if (pattern.rfind("/v1/auth", 0) == 0) return NewApiKey();
    if (pattern.rfind("/v1/locations", 0) == 0) return "az-loc-a";
    return order_a_;
  }

  // The answer of one call of `method pattern` as `caller`.
  HttpResponse Call(const std::string& method, const std::string& pattern, const Caller& caller, const std::string& id) {
    std::string path = pattern;
    auto fill = [&](const std::string& param, const std::string& value) {
      auto at = path.find(param);
      if (at != std::string::npos) path.replace(at, param.size(), value);
    };
    fill("{id}", id);
    fill("{sku}", "AZ-A");
    fill("{location_id}", "az-loc-a");
    // The stream of everything replays the whole log: what each caller may see of it.
    if (pattern == "/v1/events/stream") path += "?after=0";
    if (pattern.size() > 7 && pattern.substr(pattern.size() - 7) == "/stream") return RawGet(server_.port(), path, caller.authorization);
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.headers = {{"Authorization", caller.authorization}};
    json body = BodyFor(method, pattern, caller);
    if (!body.is_null()) {
      r.body = body.dump();
      r.has_body = true;
    }
    const char* secret = pattern == "/v1/integrations/erp/orders"   ? kErpSecret
                         : pattern == "/v1/integrations/wms/events" ? kWmsSecret
                                                                    : nullptr;
    if (secret) {
      std::string message = "msg-" + std::to_string(++signed_);
      std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
      r.headers.insert(r.headers.end(), {{"webhook-id", message},
                                         {"webhook-timestamp", std::to_string(now)},
                                         {"webhook-signature", signature::Sign(secret, message, now, r.body)}});
    }
    HttpClient client(server_.url());
    return client.Send(r);
  }

  // What the table says this caller gets.
  static Verdict Expected(const json& access, const Caller& caller, const std::string& method, const std::string& pattern) {
    std::string rule = access.value(caller.role, "none");
    if (caller.role == "integration") rule = rule == "all" || rule == "metrics" ? "all" : "none";
    if (rule == "all") return Verdict::kAllowed;
    if (rule == "none") return caller.role == "anonymous" ? Verdict::kUnauthenticated : Verdict::kForbidden;
    // "own": the owner is allowed; anyone else gets what the object's kind says.
    if (caller.owner) return Verdict::kAllowed;
    if (pattern.rfind("/v1/orders/{id}", 0) == 0) return Verdict::kHidden;
    if (method != "GET" && pattern.rfind("/v1/stock", 0) == 0) return Verdict::kForbidden;
    return Verdict::kAllowed;  // lists (filtered to the caller's own) and placing one's own order
  }

  static Verdict Observed(const HttpResponse& r, const std::string& pattern) {
    if (r.status == 401) return Verdict::kUnauthenticated;
    // The demo's tools admit the caller, then refuse a server without --demo: past the matrix.
    if (r.status == 403 && r.body.find("demo-mode-only") != std::string::npos) return Verdict::kAllowed;
    if (r.status == 403) return Verdict::kForbidden;
    if (r.status == 404 && pattern.find("{id}") != std::string::npos && pattern.rfind("/v1/orders/", 0) == 0)
      return Verdict::kHidden;
    return Verdict::kAllowed;
  }

  // Everything a denied call could have changed, as an admin sees it.
  std::string Fingerprint() {
    std::string out;
    for (const char* path : {"/v1/orders?limit=200", "/v1/stock", "/v1/reservations", "/v1/products?limit=200",
                             "/v1/locations", "/v1/webhooks", "/v1/auth/api-keys", "/v1/config/workflow",
                             "/v1/config/branding", "/v1/jobs?limit=200"}) {
      HttpResponse r = admin_.Get(path);
      out += std::string(path) + " " + std::to_string(r.status) + " " + r.body + "\n";
    }
    return out;
  }

  const std::string& order_a() const { return order_a_; }
  const std::string& order_b() const { return order_b_; }
  const std::string& customer_a() const { return customer_a_; }
  const std::string& customer_b() const { return customer_b_; }

  std::string Place(const std::string& token, const std::string& sku, const std::string& name) {
    HttpClient c(server_.url());
    json body = {{"currency", "EUR"},
                 {"lines", json::array({{{"sku", sku}, {"quantity", 1}}})},
                 {"shipping_address", {{"name", name}, {"line1", "Street 1"}, {"city", "Berlin"}, {"country", "DE"},
                                       {"lat", 52.5}, {"lng", 13.4}}}};
    HttpResponse r = c.Post("/v1/orders", body, {{"Authorization", Bearer(token)}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? r.Json()["id"].get<std::string>() : std::string();
  }

 private:
  std::string NewWebhook() {
    // An event type this test never causes: no delivery jobs change state behind its back.
    HttpResponse r =
        admin_.Post("/v1/webhooks", json{{"url", "http://127.0.0.1:9/hook"}, {"event_types", {"reservation.expired"}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? r.Json()["id"].get<std::string>() : std::string("none");
  }
  std::string NewApiKey() {
    HttpResponse r = admin_.Post("/v1/auth/api-keys", json{{"name", "to-revoke"}, {"scopes", {"wms"}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? r.Json()["id"].get<std::string>() : std::string("none");
  }
  json BodyFor(const std::string& method, const std::string& pattern, const Caller& caller) {
    if (method == "GET" || method == "DELETE") return nullptr;
    if (pattern == "/v1/auth/token") return {{"username", "nobody"}, {"password", "wrong"}};
    if (pattern == "/v1/auth/api-keys") return {{"name", "matrix"}, {"scopes", {"erp"}}};
    if (pattern == "/v1/products/{sku}") return {{"name", "AZ-A"}, {"price", "10.00"}, {"currency", "EUR"}};
    if (pattern == "/v1/locations/{id}")
      return {{"name", "az-loc-a"}, {"kind", "warehouse"}, {"lat", 52.5}, {"lng", 13.4}, {"active", true}};
    if (pattern == "/v1/stock/{location_id}/{sku}") return {{"on_hand", 1000}};
    if (pattern == "/v1/stock/adjustments")
      return {{"location_id", "az-loc-a"}, {"sku", "AZ-A"}, {"delta", 1}, {"reason", "matrix"}};
    // Each customer orders from their own seller's location.
    std::string sku = caller.name == "customer B" ? "AZ-B" : "AZ-A";
    if (pattern == "/v1/orders" || pattern == "/v1/echo")
      return {{"currency", "EUR"}, {"lines", json::array({{{"sku", sku}, {"quantity", 1}}})},
              {"shipping_address", {{"name", "Matrix"}, {"line1", "Street 1"}, {"city", "Berlin"}, {"country", "DE"},
                                    {"lat", 52.5}, {"lng", 13.4}}}};
    if (pattern == "/v1/orders/{id}/pay") return {{"payment_method", {{"token", "tok_visa"}}}};
    if (pattern == "/v1/orders/{id}/ship") return {{"carrier", "DHL"}, {"tracking", "1Z"}};
    if (pattern == "/v1/orders/{id}/cancel") return {{"reason", "matrix"}};
    if (pattern == "/v1/orders/{id}/refund") return {{"amount", "1.00"}};
    if (pattern == "/v1/orders/{id}/status") return {{"status", "confirmed"}};
    if (pattern == "/v1/config/workflow") return admin_.Get("/v1/config/workflow").Json();
    if (pattern == "/v1/config/branding") return {{"shop_name", "Matrix shop"}};
    if (pattern == "/v1/webhooks") return {{"url", "http://127.0.0.1:9/hook"}, {"event_types", {"reservation.expired"}}};
    // An ERP order of seller A's SKU (the same one each time: after the first, the original is answered).
    if (pattern == "/v1/integrations/erp/orders")
      return {{"erpOrderId", "SO-MATRIX-1"}, {"organizationId", "org-matrix"}, {"channelId", "erp"},
              {"deliveryAddress", {{"name", "Matrix"}, {"address1", "Street 1"}, {"city", "Berlin"}, {"zip", "10117"},
                                   {"countryCode", "DE"}}},
              {"lines", json::array({{{"id", 1}, {"product", {{"id", 1}, {"name", "AZ-A"}, {"code", "AZ-A"}}},
                                      {"quantity", 1}, {"currency", "EUR"}, {"unitCustomsValue", 10}}})}};
    // A callback for customer A's order, which was never sent to a WMS: recorded, not applied.
    if (pattern == "/v1/integrations/wms/events")
      return {{"event_id", "evt-matrix-" + std::to_string(signed_ + 1)}, {"order_id", order_a_},
              {"wms_order_id", "wms_matrix"}, {"status", "picked"}, {"occurred_at", "2026-11-23T10:00:00Z"}};
    return json::object();
  }

  OrdoServer& server_;
  HttpClient admin_;
  std::string customer_a_ = TestToken("customer", "cus_az_a");
  std::string customer_b_ = TestToken("customer", "cus_az_b");
  std::string order_a_, order_b_, job_id_, webhook_id_, metrics_key_;
  int signed_ = 0;  // signed requests so far: each gets its own webhook-id
};

TEST_P(Authz, EveryOperationAnswersEveryCallerAsThePublishedMatrixSays) {
  OrdoServer server({"--bench-echo", "--webhooks-allow-private", "--erp-secret", kErpSecret, "--wms-secret", kWmsSecret},
                    GetParam());
  ASSERT_TRUE(server.Start());
  Matrix m(server);
  ASSERT_NO_FATAL_FAILURE(m.SetUp());

  HttpClient anonymous(server.url());
  HttpResponse doc = anonymous.Get("/openapi.json", {{"Authorization", ""}});
  ASSERT_EQ(doc.status, 200);
  const json paths = doc.Json()["paths"];
  ASSERT_GT(paths.size(), 30u);

  // The data of A that B (and strangers) must never see, and of B that A must never see.
  const std::vector<std::string> a_data = {m.order_a(), "cus_az_a", "Alice Secretname"};
  const std::vector<std::string> b_data = {m.order_b(), "cus_az_b", "Bob Hiddenname"};
  int calls = 0, denied = 0;
  for (const auto& [pattern, item] : paths.items()) {
    for (const char* method : {"get", "put", "post", "patch", "delete"}) {
      if (!item.contains(method)) continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const json access = item[method]["x-ordo-access"];
      ASSERT_TRUE(access.is_object()) << upper << " " << pattern << " publishes no x-ordo-access";
      for (const Caller& caller : m.Callers()) {
        Verdict want = Matrix::Expected(access, caller, upper, pattern);
        bool write = upper != "GET";
        std::string id = m.Prepare(upper, pattern);
        std::string before = write && want != Verdict::kAllowed ? m.Fingerprint() : "";
        HttpResponse got = m.Call(upper, pattern, caller, id);
        ++calls;
        ASSERT_NE(got.status, 0) << upper << " " << pattern << " as " << caller.name << ": no answer";
        EXPECT_LT(got.status, 500) << upper << " " << pattern << " as " << caller.name << ": " << got.Describe();
        // The integrations' bodies are real: the admin's call does what an ERP's or a WMS's would.
        if (caller.role == "admin" && pattern.rfind("/v1/integrations/", 0) == 0) {
          EXPECT_EQ(got.status / 100, 2) << upper << " " << pattern << ": " << got.Describe();
        }
        Verdict seen = Matrix::Observed(got, pattern);
        EXPECT_EQ(Name(seen), std::string(Name(want)))
            << upper << " " << pattern << " as " << caller.name << " (" << access.dump() << "): " << got.Describe();
        if (want != Verdict::kAllowed) {
          ++denied;
          if (write) {
            EXPECT_EQ(m.Fingerprint(), before) << "a denied " << upper << " " << pattern << " as " << caller.name
                                               << " changed something";
          }
        }
        // No answer carries another user's data.
        bool sees_a = caller.owner && caller.role != "integration";
        bool sees_b = caller.role == "admin" || (caller.name == "customer B" || caller.name == "seller B");
        // (A problem's "instance" repeats the path the caller sent: that is not someone else's data.)
        std::string body = got.body;
        for (std::size_t at; !id.empty() && (at = body.find(id)) != std::string::npos;) body.erase(at, id.size());
        auto expect_unseen = [&](const std::vector<std::string>& secrets) {
          for (const auto& secret : secrets) {
            EXPECT_EQ(body.find(secret), std::string::npos)
                << caller.name << " saw " << secret << " in " << upper << " " << pattern << ": " << got.body.substr(0, 400);
          }
        };
        if (!sees_a) expect_unseen(a_data);
        if (!sees_b) expect_unseen(b_data);
      }
    }
  }
  EXPECT_GT(calls, 300);
  EXPECT_GT(denied, 150);
  RecordProperty("calls", calls);
  RecordProperty("denied", denied);
}

// GET /v1/events/stream for a customer or a seller: the events of their own
// orders, replayed from the start and then live, and nothing of anybody else's.
TEST_P(Authz, CustomersAndSellersFollowTheEventsOfTheirOwnOrdersOnly) {
  OrdoServer server({"--webhooks-allow-private"}, GetParam());  // SetUp makes a webhook to 127.0.0.1
  ASSERT_TRUE(server.Start());
  Matrix m(server);
  ASSERT_NO_FATAL_FAILURE(m.SetUp());
  const std::string url = server.url() + "/v1/events/stream?after=0";
  SseClient customer_a(url, {{"Authorization", Bearer(m.customer_a())}});
  SseClient seller_b(url, {{"Authorization", Bearer(TestToken("seller", "seller-b", {"az-loc-b"}))}});
  SseClient admin(url);
  auto orders_in = [](const std::vector<SseClient::Event>& events) {
    std::set<std::string> out;
    for (const auto& e : events) {
      json id = json::parse(e.data)["order_id"];
      out.insert(id.is_string() ? id.get<std::string>() : "");  // null: not an order's event
    }
    return out;
  };
  auto has_order = [&](const std::string& id) {
    return [&, id](const std::vector<SseClient::Event>& e) { return orders_in(e).count(id) > 0; };
  };
  // The replay: each sees the orders placed before it connected that are theirs.
  ASSERT_TRUE(customer_a.WaitFor(5s, has_order(m.order_a()))) << customer_a.raw();
  ASSERT_TRUE(seller_b.WaitFor(5s, has_order(m.order_b()))) << seller_b.raw();
  // Live: B orders, then A orders; A's stream shows A's order, the seller's B's.
  std::string later_b = m.Place(m.customer_b(), "AZ-B", "Bob Hiddenname");
  std::string later_a = m.Place(m.customer_a(), "AZ-A", "Alice Secretname");
  ASSERT_TRUE(customer_a.WaitFor(5s, has_order(later_a))) << customer_a.raw();
  ASSERT_TRUE(seller_b.WaitFor(5s, has_order(later_b))) << seller_b.raw();
  ASSERT_TRUE(admin.WaitFor(5s, [&](const auto& e) { return orders_in(e).count(later_a) && orders_in(e).count(later_b); }));
  EXPECT_EQ(orders_in(customer_a.events()), (std::set<std::string>{m.order_a(), later_a}));
  EXPECT_EQ(orders_in(seller_b.events()), (std::set<std::string>{m.order_b(), later_b}));
  EXPECT_EQ(customer_a.raw().find("Bob Hiddenname"), std::string::npos);
  EXPECT_EQ(seller_b.raw().find("cus_az_a"), std::string::npos);
  // Each order's whole timeline, not only its first event.
  HttpClient client(server.url());
  const std::size_t timeline = client.Get("/v1/orders/" + later_a + "/events").Json()["items"].size();
  ASSERT_GT(timeline, 1u);
  EXPECT_TRUE(customer_a.WaitFor(5s, [&](const auto& events) {
    std::size_t n = 0;
    for (const auto& e : events) n += json::parse(e.data)["order_id"] == later_a;
    return n == timeline;
  })) << customer_a.raw();
  // Stock and configuration events (no order) are the admin's only.
  EXPECT_EQ(orders_in(admin.events()).count(""), 1u) << "the test needs events without an order (stock set in SetUp)";
}

}  // namespace
}  // namespace ordo::itest

// Authentication and abuse limits over HTTP: the tokens that must get a 401,
// logging in, rate limits, the cap on a customer's unpaid holds, slow
// senders (slowloris), CORS, security headers and the actor of audit events.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "auth/jwt.h"
#include "auth/test_keys.h"
#include "test_util.h"

namespace ordo::itest {
namespace {

long long NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json Claims(const std::string& role = "customer") {
  return {{"iss", "ordo"}, {"aud", "ordo"}, {"sub", "cus_tok"}, {"role", role}, {"iat", NowS()}, {"exp", NowS() + 600}};
}

std::string Part(const json& j) { return auth::Base64UrlEncode(j.dump()); }

// ---- Tokens

class Tokens : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new auth::testing::KeyPair(auth::testing::MakeRsaKey("rsa-1"));
    ec_ = new auth::testing::KeyPair(auth::testing::MakeEcKey("ec-1"));
    jwks_dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() / ("ordo-jwks-" + std::to_string(getpid())));
    std::filesystem::create_directories(*jwks_dir_);
    std::ofstream(*jwks_dir_ / "jwks.json") << auth::testing::Jwks({rsa_, ec_}).dump();
    server_ = new OrdoServer({"--jwks", (*jwks_dir_ / "jwks.json").string()});
    ASSERT_TRUE(server_->Start());
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*jwks_dir_);
    delete jwks_dir_;
    delete rsa_;
    delete ec_;
  }
  static HttpResponse Me(const std::string& token) {
    HttpClient c(server_->url());
    return c.Get("/v1/auth/me", {{"Authorization", "Bearer " + token}});
  }
  static std::string Hs(const json& claims) { return *auth::SignJwt(claims, "HS256", kTestJwtSecret); }
  static void ExpectRefused(const std::string& what, const std::string& token) {
    HttpResponse r = Me(token);
    EXPECT_EQ(r.status, 401) << what << ": " << r.Describe();
    EXPECT_EQ(ProblemType(r.Json()), "unauthenticated") << what;
    EXPECT_NE(r.Header("www-authenticate").find("Bearer"), std::string::npos) << what;
    // Nothing else works with it either.
    HttpClient c(server_->url());
    EXPECT_EQ(c.Get("/v1/orders", {{"Authorization", "Bearer " + token}}).status, 401) << what;
  }
  static inline auth::testing::KeyPair* rsa_ = nullptr;
  static inline auth::testing::KeyPair* ec_ = nullptr;
  static inline std::filesystem::path* jwks_dir_ = nullptr;
  static inline OrdoServer* server_ = nullptr;
};

TEST_F(Tokens, ValidTokensOfEachAlgorithmAreAccepted) {
  HttpResponse hs = Me(Hs(Claims()));
  ASSERT_EQ(hs.status, 200) << hs.Describe();
  EXPECT_EQ(hs.Json()["role"], "customer");
  EXPECT_EQ(hs.Json()["customer_id"], "cus_tok");
  HttpResponse rs = Me(*auth::SignJwt(Claims("seller"), "RS256", rsa_->private_pem, "rsa-1"));
  ASSERT_EQ(rs.status, 200) << rs.Describe();
  EXPECT_EQ(rs.Json()["role"], "seller");
  json keycloak = Claims();
  keycloak.erase("role");
  keycloak["realm_access"] = {{"roles", {"offline_access", "admin"}}};
  HttpResponse es = Me(*auth::SignJwt(keycloak, "ES256", ec_->private_pem, "ec-1"));
  ASSERT_EQ(es.status, 200) << es.Describe();
  EXPECT_EQ(es.Json()["role"], "admin");
}

TEST_F(Tokens, EachForgedOrStaleTokenIsRefusedWith401) {
  ExpectRefused("alg none", Part({{"alg", "none"}, {"typ", "JWT"}}) + "." + Part(Claims("admin")) + ".");
  std::string good = Hs(Claims());
  ExpectRefused("an empty signature", good.substr(0, good.rfind('.') + 1));
  ExpectRefused("HS256 signed with the RS256 public key",
                *auth::SignJwt(Claims("admin"), "HS256", rsa_->public_pem, "rsa-1"));
  ExpectRefused("HS256 signed with the RS256 public key, no kid", *auth::SignJwt(Claims("admin"), "HS256", rsa_->public_pem));
  ExpectRefused("the wrong HMAC key", *auth::SignJwt(Claims(), "HS256", std::string(48, 'w')));
  auto stranger = auth::testing::MakeRsaKey("rsa-1");
  ExpectRefused("the wrong RSA key", *auth::SignJwt(Claims(), "RS256", stranger.private_pem, "rsa-1"));
  json c = Claims();
  c["exp"] = NowS() - 120;
  ExpectRefused("expired", Hs(c));
  c = Claims();
  c["nbf"] = NowS() + 120;
  ExpectRefused("a future nbf", Hs(c));
  c = Claims();
  c.erase("exp");
  ExpectRefused("a missing exp", Hs(c));
  c = Claims();
  c["iss"] = "https://evil.example";
  ExpectRefused("the wrong iss", Hs(c));
  c = Claims();
  c["aud"] = "another-api";
  ExpectRefused("the wrong aud", Hs(c));
  // An edited role claim: a customer's token with role admin pasted in.
  std::string customer = Hs(Claims());
  std::size_t a = customer.find('.'), b = customer.rfind('.');
  ExpectRefused("an edited role claim", customer.substr(0, a + 1) + Part(Claims("admin")) + customer.substr(b));
  ExpectRefused("garbage", "not-a-token");
  ExpectRefused("an unknown API key", "ordo_key_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

TEST_F(Tokens, AnApiKeyWorksForItsScopeUntilRevoked) {
  HttpClient admin(server_->url());
  HttpResponse made = admin.Post("/v1/auth/api-keys", json{{"name", "prometheus"}, {"scopes", {"metrics"}}});
  ASSERT_EQ(made.status, 201) << made.Describe();
  std::string key = made.Json()["key"], id = made.Json()["id"];
  HttpClient c(server_->url());
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer " + key}}).status, 200);
  EXPECT_EQ(c.Get("/v1/orders", {{"Authorization", "Bearer " + key}}).status, 403);
  HttpResponse listed = admin.Get("/v1/auth/api-keys");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(key.substr(key.size() - 20)), std::string::npos) << "the key's text is listed";
  ASSERT_EQ(admin.Send({"DELETE", "/v1/auth/api-keys/" + id}).status, 200);
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer " + key}}).status, 401);
}

// ---- Logging in (the demo accounts)

TEST(Login, DemoAccountsGetTokensOfTheirRoleAndWrongPasswordsDoNot) {
  OrdoServer server({"--demo"});
  ASSERT_TRUE(server.Start());
  HttpClient c(server.url());
  const Headers none = {{"Authorization", ""}};
  HttpResponse ok = c.Post("/v1/auth/token", json{{"username", "seller@ordo.demo"}, {"password", "Seller123!"}}, none);
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.Json()["token_type"], "Bearer");
  EXPECT_EQ(ok.Json()["expires_in"], 3600);
  HttpResponse me = c.Get("/v1/auth/me", {{"Authorization", "Bearer " + ok.Json()["access_token"].get<std::string>()}});
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.Json()["role"], "seller");
  EXPECT_FALSE(me.Json()["locations"].empty());
  for (const json& bad : {json{{"username", "seller@ordo.demo"}, {"password", "Seller124!"}},
                          json{{"username", "nobody@ordo.demo"}, {"password", "Seller123!"}}}) {
    HttpResponse r = c.Post("/v1/auth/token", bad, none);
    EXPECT_EQ(r.status, 401) << r.Describe();
    EXPECT_EQ(r.body.find("access_token"), std::string::npos);
  }
  HttpResponse extra = c.Post("/v1/auth/token", json{{"username", "a"}, {"password", "b"}, {"role", "admin"}}, none);
  EXPECT_EQ(extra.status, 422);
  EXPECT_EQ(extra.Json()["errors"][0]["pointer"], "/role");
}

// ---- Limits

TEST(Limits, ACallerOverItsRateGets429WithRetryAfterAndOthersDoNot) {
  OrdoServer server({"--rate-limit", "5/5"});
  ASSERT_TRUE(server.Start());
  HttpClient c(server.url());
  const Headers greedy = {{"Authorization", Bearer(TestToken("customer", "cus_greedy"))}};
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 12; ++i) {
    HttpResponse r = c.Get("/v1/orders", greedy);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.Header("retry-after");
      EXPECT_EQ(ProblemType(r.Json()), "rate-limited");
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 7);  // a token may refill while the loop runs
  EXPECT_GE(limited, 5);
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GE(std::stoi(retry_after), 1);
  // Another customer has a bucket of their own.
  EXPECT_EQ(c.Get("/v1/orders", {{"Authorization", Bearer(TestToken("customer", "cus_calm"))}}).status, 200);
  // Anonymous callers are limited per address.
  int anonymous_limited = 0;
  for (int i = 0; i < 12; ++i) anonymous_limited += c.Get("/v1/products", {{"Authorization", ""}}).status == 429;
  EXPECT_GE(anonymous_limited, 5);
}

TEST(Limits, ACustomerCannotHoldMoreUnpaidOrdersOrUnitsThanTheCap) {
  OrdoServer server({"--demo", "--max-open-orders", "2", "--max-open-units", "5"});
  ASSERT_TRUE(server.Start());
  HttpClient c(server.url());
  const Headers buyer = {{"Authorization", Bearer(TestToken("customer", "cus_hoarder"))}};
  auto reserved = [&] {
    long sum = 0;
    for (const auto& row : StockOf(c, "SKU-0007")) sum += row["reserved"].get<long>();
    return sum;
  };
  HttpResponse first = c.Post("/v1/orders", OrderBody("SKU-0007", 2), buyer);
  ASSERT_EQ(first.status, 201) << first.Describe();
  EXPECT_EQ(first.Json()["customer_id"], "cus_hoarder") << "the customer id comes from the token";
  ASSERT_EQ(c.Post("/v1/orders", OrderBody("SKU-0007", 2), buyer).status, 201);
  long before = reserved();
  HttpResponse third = c.Post("/v1/orders", OrderBody("SKU-0007", 1), buyer);
  EXPECT_EQ(third.status, 429) << third.Describe();
  EXPECT_EQ(ProblemType(third.Json()), "too-many-open-reservations");
  EXPECT_EQ(reserved(), before) << "a refused order reserved stock";
  // Paying or cancelling one frees a place.
  std::string id = first.Json()["id"];
  ASSERT_EQ(c.Post("/v1/orders/" + id + "/cancel", json{{"reason", "changed my mind"}}, buyer).status, 200);
  EXPECT_EQ(c.Post("/v1/orders", OrderBody("SKU-0007", 1), buyer).status, 201);
  // Units count too: 2 + 1 held, 3 more would be 6 > 5.
  HttpResponse units = c.Post("/v1/orders", OrderBody("SKU-0007", 3), buyer);
  EXPECT_EQ(units.status, 429) << units.Describe();
  // The cap is per customer: another one orders freely, and a customer may not order for someone else.
  const Headers other = {{"Authorization", Bearer(TestToken("customer", "cus_other"))}};
  EXPECT_EQ(c.Post("/v1/orders", OrderBody("SKU-0007", 3), other).status, 201);
  json for_someone = OrderBody("SKU-0007", 1);
  for_someone["customer_id"] = "cus_hoarder";
  HttpResponse impostor = c.Post("/v1/orders", for_someone, other);
  EXPECT_EQ(impostor.status, 403) << impostor.Describe();
  EXPECT_EQ(impostor.Json()["errors"][0]["pointer"], "/customer_id");
}

// Connects to 127.0.0.1:port without blocking the test on a full backlog.
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Limits, FiveHundredSlowSendersNeitherSlowOthersNorStayConnected) {
  OrdoServer server({"--demo", "--demo-stock", "1000000", "--read-timeout", "3s"});  // stock enough for every order of the 2 s
  ASSERT_TRUE(server.Start());
  // 500 clients that start a request and then trickle one header line at a
  // time, never finishing it (slowloris).
  std::vector<int> slow;
  for (int i = 0; i < 500; ++i) {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0) << "connection " << i;
    std::string head = "GET /v1/products HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
    slow.push_back(fd);
  }
  auto started = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (int fd : slow) ::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(200ms);
    }
  });
  // A normal client meanwhile.
  HttpClient c(server.url());
  std::vector<double> ms;
  while (std::chrono::steady_clock::now() - started < 2s) {
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = c.Post("/v1/orders", OrderBody("SKU-0003", 1));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_EQ(r.status, 201) << r.Describe();
  }
  std::sort(ms.begin(), ms.end());
  double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  RecordProperty("slowloris_p99_ms", std::to_string(p99));
  RecordProperty("slowloris_requests", static_cast<int>(ms.size()));
  std::cout << "[ slowloris ] 500 slow connections: " << ms.size() << " normal requests, p50 " << ms[ms.size() / 2]
            << " ms, p99 " << p99 << " ms\n";
  EXPECT_GE(ms.size(), 50u);
  EXPECT_LT(p99, 1000.0);
  // The read timeout (3 s here) ends every slow sender even though it keeps sending.
  std::this_thread::sleep_for(3s - (std::chrono::steady_clock::now() - started) + 1500ms);
  stop = true;
  trickle.join();
  int closed = 0;
  for (int fd : slow) {
    char buf[4096];
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ++closed;
    ::close(fd);
  }
  EXPECT_EQ(closed, 500) << "slow senders still connected after the read timeout";
}

// ---- Browsers: CORS and security headers

TEST(Browsers, CorsIsOffUnlessTheOriginIsAllowed) {
  OrdoServer closed(std::vector<std::string>{});
  ASSERT_TRUE(closed.Start());
  HttpClient c(closed.url());
  HttpResponse plain = c.Get("/v1/products", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.HasHeader("access-control-allow-origin"));
  HttpResponse preflight = c.Send({"OPTIONS", "/v1/orders", "", false, "",
                                   {{"Origin", "https://shop.example"}, {"Access-Control-Request-Method", "POST"}}});
  EXPECT_EQ(preflight.status, 403);

  OrdoServer open({"--cors-origins", "https://shop.example,https://admin.example"});
  ASSERT_TRUE(open.Start());
  HttpClient o(open.url());
  HttpResponse allowed = o.Get("/v1/products", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), "https://shop.example");
  EXPECT_NE(allowed.Header("vary").find("Origin"), std::string::npos);
  HttpResponse ok = o.Send({"OPTIONS", "/v1/orders", "", false, "",
                            {{"Origin", "https://admin.example"}, {"Access-Control-Request-Method", "POST"}}});
  EXPECT_EQ(ok.status, 204) << ok.Describe();
  EXPECT_NE(ok.Header("access-control-allow-headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(o.Get("/v1/products", {{"Origin", "https://evil.example"}}).Header("access-control-allow-origin"), "");
}

TEST(Browsers, EveryAnswerCarriesSecurityHeaders) {
  OrdoServer server(std::vector<std::string>{});
  ASSERT_TRUE(server.Start());
  HttpClient c(server.url());
  for (const char* path : {"/docs", "/v1/orders", "/v1/nothing"}) {
    HttpResponse r = c.Get(path);
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(r.Header("x-frame-options"), "DENY") << path;
    EXPECT_EQ(r.Header("referrer-policy"), "no-referrer") << path;
    EXPECT_NE(r.Header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos) << path;
  }
  EXPECT_NE(c.Get("/docs").Header("content-security-policy").find("default-src 'self'"), std::string::npos);
}

// ---- Audit: admin and seller actions name their actor.

TEST(Audit, StockChangesConfigChangesAndStatusChangesNameTheirActor) {
  OrdoServer server({"--demo"});
  ASSERT_TRUE(server.Start());
  HttpClient c(server.url());
  HttpResponse locations = c.Get("/v1/locations");
  ASSERT_EQ(locations.status, 200);
  std::string loc = locations.Json()["items"][0]["id"];
  const Headers seller = {{"Authorization", Bearer(TestToken("seller", "seller-audit", {loc}))}};
  ASSERT_EQ(c.Put("/v1/stock/" + loc + "/SKU-0001", json{{"on_hand", 77}}, seller).status, 200);
  ASSERT_EQ(c.Post("/v1/stock/adjustments",
                   json{{"location_id", loc}, {"sku", "SKU-0001"}, {"delta", -2}, {"reason", "damaged"}}, seller)
                .status,
            200);
  const Headers admin = {{"Authorization", Bearer(TestToken("admin", "admin-audit"))}};
  HttpResponse placed = c.Post("/v1/orders", OrderBody("SKU-0002", 1), admin);
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  std::string order = placed.Json()["id"];
  HttpRequest patch{"PATCH", "/v1/orders/" + order + "/status", json{{"status", "confirmed"}}.dump(), true, "application/json", admin};
  ASSERT_EQ(c.Send(patch).status, 200);
  HttpResponse timeline = c.Get("/v1/orders/" + order + "/events");
  const json items = timeline.Json()["items"];  // a copy: never range over a temporary's member
  bool moved = false;
  for (const json& e : items)
    if (e["type"] == "order.status_changed") {
      moved = true;
      EXPECT_EQ(e["data"]["actor"], "user:admin-audit") << e.dump();
    }
  EXPECT_TRUE(moved) << timeline.body;
  ASSERT_EQ(c.Put("/v1/config/branding", json{{"shop_name", "Audited"}}, admin).status, 200);
  SseClient stream(server.url() + "/v1/events/stream?after=0");
  auto actor_of = [](const SseClient::Event& e) { return json::parse(e.data)["data"].value("actor", ""); };
  ASSERT_TRUE(stream.WaitFor(5s, [](const std::vector<SseClient::Event>& events) {
    return std::any_of(events.begin(), events.end(), [](const auto& e) { return e.type == "config.branding_changed"; });
  })) << stream.raw();
  int checked = 0;
  for (const auto& e : stream.events()) {
    if (e.type == "stock.set" && json::parse(e.data)["data"].value("on_hand", 0) == 77) {
      EXPECT_EQ(actor_of(e), "user:seller-audit");
      ++checked;
    }
    if (e.type == "stock.adjusted" && json::parse(e.data)["data"].value("reason", "") == "damaged") {
      EXPECT_EQ(actor_of(e), "user:seller-audit");
      ++checked;
    }
    if (e.type == "config.branding_changed") {
      EXPECT_EQ(actor_of(e), "user:admin-audit");
      ++checked;
    }
    if (e.type == "stock.set" && json::parse(e.data)["data"].value("on_hand", 0) != 77) {
      EXPECT_EQ(actor_of(e), "system");  // the demo data
    }
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace ordo::itest

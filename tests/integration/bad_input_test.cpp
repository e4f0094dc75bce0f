// 4. Bad input: every request of a corpus gets a 4xx problem+json naming the
//    field, never a 5xx, and nothing in the database changes.
#include <set>

#include "test_util.h"

namespace ordo::itest {
namespace {

const std::string kSql = "'; DROP TABLE orders;--";

struct Bad {
  std::string name;
  HttpRequest request;
  std::set<long> statuses;  // the acceptable answers
  std::string pointer;      // errors[0].pointer; "" = not checked; trailing '*' = prefix
  std::string type;         // problem type suffix; "" = not checked
};

class Corpus {
 public:
  std::vector<Bad> items;

  // POST /v1/orders with a raw body.
  void Raw(std::string name, std::string body, std::set<long> statuses, std::string pointer = "",
           std::string type = "") {
    Send(std::move(name), "POST", "/v1/orders", std::move(body), std::move(statuses), std::move(pointer),
         std::move(type));
  }
  // POST /v1/orders with a JSON body: 422 validation naming `pointer`.
  void Order(std::string name, const json& body, std::string pointer, std::set<long> statuses = {422}) {
    Raw(std::move(name), body.dump(), std::move(statuses), std::move(pointer));
  }
  // A valid order with the value at `at` replaced (created if missing).
  void Set(const std::string& at, const json& value, std::string pointer = "", std::set<long> statuses = {422}) {
    json body = OrderBody();
    body[json::json_pointer(at)] = value;
    Order("order " + at + " = " + value.dump().substr(0, 80), body, pointer.empty() ? at : pointer, statuses);
  }
  // A valid order without the field at `at`.
  void Drop(const std::string& at, std::string pointer = "") {
    json body = OrderBody();
    json::json_pointer p(at);
    body[p.parent_pointer()].erase(p.back());
    Order("order without " + at, body, pointer.empty() ? at : pointer);
  }
  void Send(std::string name, std::string method, std::string path, std::string body, std::set<long> statuses,
            std::string pointer = "", std::string type = "", std::string content_type = "application/json",
            Headers headers = {}) {
    Bad b;
    b.name = std::move(name);
    b.request.method = std::move(method);
    b.request.path = std::move(path);
    b.request.body = std::move(body);
    b.request.has_body = !b.request.body.empty() || b.request.method != "GET";
    b.request.content_type = std::move(content_type);
    b.request.headers = std::move(headers);
    b.statuses = std::move(statuses);
    b.pointer = std::move(pointer);
    b.type = std::move(type);
    items.push_back(std::move(b));
  }
};

std::string Nested(int depth, char open, char close, const std::string& inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open == '{' ? std::string("{\"a\":") : std::string(1, open);
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

Corpus BuildCorpus(const std::string& existing_order) {
  Corpus c;
  const std::string valid = OrderBody().dump();
  const std::string tail = valid.substr(1);  // everything after the opening brace

  // ---- malformed JSON
  for (std::string text : {std::string("{"), std::string("}"), std::string("{\"currency\":\"EUR\",}"),
                           std::string("{'currency':'EUR'}"), valid + "x", valid + valid,
                           std::string("{\"currency\":NaN}"), std::string("{\"currency\":\"EUR\" /* c */}"),
                           std::string("{\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":01}]}"),
                           std::string("{\"currency\":\"EUR"), std::string("{\"currency\":\"\\u12\"}"),
                           std::string("   "), valid.substr(0, valid.size() / 2)})
    c.Raw("malformed: " + text.substr(0, 60), text, {400}, "", "malformed-json");
  c.Send("empty body", "POST", "/v1/orders", "", {400}, "", "malformed-json");
  // ---- not an object
  for (std::string text : {std::string("[]"), "[" + valid + "]", std::string("\"order\""), std::string("42"),
                           std::string("null"), std::string("true")})
    c.Raw("non-object body " + text.substr(0, 30), text, {400, 422});
  // ---- duplicate keys (top level and nested)
  c.Raw("duplicate key currency", "{\"currency\":\"EUR\"," + tail, {400, 422});
  c.Raw("duplicate key hidden by an escape", "{\"curr\\u0065ncy\":\"USD\"," + tail, {400, 422});
  {
    json body = OrderBody();
    std::string text = body.dump();
    std::string needle = "\"city\":\"Berlin\"";
    text.replace(text.find(needle), needle.size(), needle + ",\"city\":\"Paris\"");
    c.Raw("duplicate key city", text, {400, 422});
  }
  // ---- invalid UTF-8 and broken escapes
  for (std::string bad : {std::string("A\xff"), std::string("\xc3\x28"), std::string("\xc0\xaf"),
                          std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
    std::string text = valid;
    std::string needle = "\"Ada Lovelace\"";
    text.replace(text.find(needle), needle.size(), "\"" + bad + "\"");
    c.Raw("invalid UTF-8 in name", text, {400, 422});
  }
  {
    std::string text = valid;
    std::string needle = "\"Ada Lovelace\"";
    text.replace(text.find(needle), needle.size(), "\"\\ud800\"");
    c.Raw("lone surrogate escape in name", text, {400, 422});
  }
  // ---- deep nesting (100 levels)
  c.Raw("100 nested arrays", "{\"currency\":" + Nested(100, '[', ']', "1") + "}", {400}, "", "malformed-json");
  c.Raw("100 nested objects", Nested(100, '{', '}', "1"), {400}, "", "malformed-json");
  c.Raw("100 nested arrays in shipping_address",
        "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":1}],\"shipping_address\":" +
            Nested(100, '[', ']', "{}") + "}",
        {400}, "", "malformed-json");

  // ---- wrong types for every field
  c.Set("/external_id", 5);
  c.Set("/channel", json::array());
  c.Set("/customer_id", json::object());
  c.Set("/currency", 978);
  c.Set("/currency", json::array({"EUR"}));
  c.Set("/lines", "SKU-0001");
  c.Set("/lines", json::object());
  c.Set("/lines", 1);
  c.Set("/lines/0", "SKU-0001");
  c.Set("/lines/0", json::array({"SKU-0001", 1}));
  c.Set("/lines/0/sku", 1);
  c.Set("/lines/0/sku", json::array());
  c.Set("/lines/0/quantity", "1");
  c.Set("/lines/0/quantity", true);
  c.Set("/lines/0/quantity", json::array({1}));
  c.Set("/shipping_address", "Unter den Linden 1, Berlin");
  c.Set("/shipping_address", json::array());
  c.Set("/shipping_address/name", 1);
  c.Set("/shipping_address/line1", false);
  c.Set("/shipping_address/line2", 2);
  c.Set("/shipping_address/city", json::array());
  c.Set("/shipping_address/region", json::object());
  c.Set("/shipping_address/postal_code", 10115);
  c.Set("/shipping_address/country", 49);
  c.Set("/shipping_address/lat", "52.52");
  c.Set("/shipping_address/lng", json::object());
  // ---- null or missing required fields
  for (std::string at : {"/currency", "/lines", "/shipping_address", "/lines/0/sku", "/lines/0/quantity",
                         "/shipping_address/name", "/shipping_address/line1", "/shipping_address/city",
                         "/shipping_address/country"}) {
    c.Set(at, nullptr);
    c.Drop(at);
  }
  // ---- quantities
  for (const char* q : {"0", "-1", "-9223372036854775808", "1.5", "1.0", "0.5", "1e30", "-1e30", "9223372036854775808",
                        "9223372036854775807", "18446744073709551616", "1000001", "1e400"}) {
    std::string text = valid;
    std::string needle = "\"quantity\":1";
    text.replace(text.find(needle), needle.size(), std::string("\"quantity\":") + q);
    std::set<long> statuses = std::string(q) == "1e400" ? std::set<long>{400, 422} : std::set<long>{422};
    c.Raw(std::string("quantity ") + q, text, statuses, std::string(q) == "1e400" ? "" : "/lines/0/quantity");
  }
  // ---- lines: unknown SKU, duplicates, empty, too many
  c.Set("/lines/0/sku", "SKU-9999", "/lines/0/sku", {404, 422});
  c.Set("/lines/0/sku", "", "/lines/0/sku");
  c.Set("/lines/0/sku", std::string(65, 'S'), "/lines/0/sku");
  {
    json body = OrderBody();
    body["lines"].push_back({{"sku", "SKU-0001"}, {"quantity", 2}});
    c.Order("duplicate SKUs", body, "/lines*");
  }
  c.Set("/lines", json::array(), "/lines");
  {
    json body = OrderBody();
    body["lines"] = json::array();
    for (int i = 1; i <= 101; ++i) {
      char sku[16];
      std::snprintf(sku, sizeof sku, "SKU-%04d", i);
      body["lines"].push_back({{"sku", sku}, {"quantity", 1}});
    }
    c.Order("101 lines", body, "/lines*");
  }
  // ---- oversized body (> 1 MiB): refused before it is read
  {
    json body = OrderBody();
    body["shipping_address"]["line2"] = std::string((1 << 20) + 1024, 'x');
    Bad b;
    b.name = "body over 1 MiB";
    b.request.method = "POST";
    b.request.path = "/v1/orders";
    b.request.body = body.dump();
    b.request.has_body = true;
    b.request.expect_continue = true;
    b.statuses = {413};
    b.type = "payload-too-large";
    c.items.push_back(std::move(b));
  }
  // ---- control and zero-width characters in names and cities
  for (std::string bad : {std::string("A\x01" "B"), std::string("A\x07"), std::string("\x1b[31mred"),
                          std::string("line\nbreak"), std::string("tab\there"), std::string("del\x7f"),
                          std::string("c1\xc2\x85"), std::string("zero\u200bwidth"), std::string("joiner\u200d"),
                          std::string("\ufeffbom"), std::string("rtl\u202eoverride"), std::string("word\u2060joiner"),
                          std::string("soft\u00adhyphen")}) {
    c.Set("/shipping_address/name", bad);
    c.Set("/shipping_address/city", bad);
  }
  {
    std::string text = valid;
    std::string needle = "\"Ada Lovelace\"";
    text.replace(text.find(needle), needle.size(), "\"nul\\u0000byte\"");
    c.Raw("NUL escape in name", text, {422}, "/shipping_address/name");
  }
  c.Set("/shipping_address/line1", "x\u200b", "/shipping_address/line1");
  c.Set("/shipping_address/name", std::string(1001, 'n'));
  // ---- SQL fragments in strings
  c.Set("/lines/0/sku", kSql);
  c.Set("/external_id", kSql);
  c.Set("/customer_id", kSql);
  c.Set("/channel", kSql);
  c.Set("/currency", "EUR'--");
  c.Set("/external_id", std::string(129, 'e'));
  // ---- fields a client may not set
  c.Set("/price", "1.00");
  c.Set("/total", "0.01");
  c.Set("/status", "paid");
  c.Set("/id", "ord_forged");
  c.Set("/allocations", json::array());
  c.Set("/reservation_expires_at", "2099-01-01T00:00:00Z");
  c.Set("/lines/0/unit_price", "0.01");
  c.Set("/lines/0/price", "0.01");
  c.Set("/lines/0/total", "0.01");
  // ---- unknown fields
  c.Set("/foo", 1);
  c.Set("/shipping_address/foo", "bar");
  c.Set("/lines/0/foo", "bar");
  // ---- countries, coordinates, currencies
  for (std::string country : {"DEU", "D", "Germany", "12", "", "d3"}) c.Set("/shipping_address/country", country);
  {
    json body = OrderBody();
    body["shipping_address"].erase("lng");
    c.Order("lat without lng", body, "/shipping_address/l*");
    body = OrderBody();
    body["shipping_address"].erase("lat");
    c.Order("lng without lat", body, "/shipping_address/l*");
  }
  c.Set("/shipping_address/lat", 91);
  c.Set("/shipping_address/lat", -90.5);
  c.Set("/shipping_address/lng", 181);
  c.Set("/shipping_address/lng", -1e300);
  for (std::string currency : {"EURO", "eur", "", "E1R"}) c.Set("/currency", currency);
  c.Set("/currency", "USD", "/currency");  // the catalogue prices SKU-0001 in EUR

  // ---- content types
  for (std::string type : {"text/plain", "application/x-www-form-urlencoded", "", "application/jsonx", "text/json",
                           "multipart/form-data; boundary=x"})
    c.Send("content type '" + type + "'", "POST", "/v1/orders", valid, {415}, "", "unsupported-media-type", type);
  c.Send("PUT stock as text/plain", "PUT", "/v1/stock/berlin-dc/SKU-0001", "{\"on_hand\":1}", {415}, "",
         "unsupported-media-type", "text/plain");

  // ---- SQL fragments in path ids and query parameters
  const std::string sql = UrlEncode(kSql);
  c.Send("sql in order id", "GET", "/v1/orders/" + sql, "", {404});
  c.Send("sql in order events id", "GET", "/v1/orders/" + sql + "/events", "", {404});
  c.Send("sql in cancel id", "POST", "/v1/orders/" + sql + "/cancel", "", {404});
  c.Send("sql in ?status", "GET", "/v1/orders?status=" + sql, "", {400, 422}, "/status");
  c.Send("sql in ?customer_id", "GET", "/v1/orders?customer_id=" + sql, "", {400, 422}, "/customer_id");
  c.Send("sql in ?external_id", "GET", "/v1/orders?external_id=" + sql, "", {400, 422}, "/external_id");
  c.Send("sql in ?wms_state", "GET", "/v1/orders?wms_state=" + sql, "", {400, 422}, "/wms_state");
  c.Send("unknown ?wms_state", "GET", "/v1/orders?wms_state=lost", "", {422}, "/wms_state");
  c.Send("sql in ?limit", "GET", "/v1/orders?limit=" + sql, "", {400, 422}, "/limit");
  c.Send("sql in ?cursor", "GET", "/v1/orders?cursor=" + sql, "", {400, 422});
  c.Send("sql in stock ?sku", "GET", "/v1/stock?sku=" + sql, "", {400, 422}, "/sku");
  c.Send("sql in stock ?location_id", "GET", "/v1/stock?location_id=" + sql, "", {400, 422}, "/location_id");
  c.Send("sql in reservations ?order_id", "GET", "/v1/reservations?order_id=" + sql, "", {400, 422}, "/order_id");
  c.Send("sql in reservations ?state", "GET", "/v1/reservations?state=" + sql, "", {400, 422}, "/state");
  c.Send("sql in product path", "GET", "/v1/products/" + sql, "", {404});
  c.Send("sql in location path", "GET", "/v1/locations/" + sql, "", {404});
  c.Send("sql in PUT product path", "PUT", "/v1/products/" + sql,
         json({{"name", "x"}, {"price", "1.00"}, {"currency", "EUR"}}).dump(), {404, 422});
  c.Send("sql in PUT location path", "PUT", "/v1/locations/" + sql,
         json({{"name", "x"}, {"kind", "warehouse"}, {"lat", 1}, {"lng", 1}}).dump(), {404, 422});
  c.Send("sql in PUT stock location", "PUT", "/v1/stock/" + sql + "/SKU-0001", "{\"on_hand\":1}", {404, 422});
  c.Send("sql in PUT stock sku", "PUT", "/v1/stock/berlin-dc/" + sql, "{\"on_hand\":1}", {404, 422});

  // ---- other write endpoints
  const std::string stock = "/v1/stock/berlin-dc/SKU-0001";
  for (std::string body : {"{\"on_hand\":-1}", "{\"on_hand\":\"5\"}", "{\"on_hand\":1.5}", "{\"on_hand\":1e30}",
                           "{\"on_hand\":null}", "{}", "{\"on_hand\":1000000001}"})
    c.Send("PUT stock " + body, "PUT", stock, body, {422}, "/on_hand");
  c.Send("PUT stock with reserved", "PUT", stock, "{\"on_hand\":5,\"reserved\":5}", {422}, "/reserved");
  c.Send("PUT stock unknown sku", "PUT", "/v1/stock/berlin-dc/SKU-9999", "{\"on_hand\":5}", {404, 422});
  c.Send("PUT stock unknown location", "PUT", "/v1/stock/nowhere-dc/SKU-0001", "{\"on_hand\":5}", {404, 422});
  c.Send("PUT stock stale expected_on_hand", "PUT", stock, "{\"on_hand\":5,\"expected_on_hand\":987654321}", {409, 412});
  c.Send("PUT stock malformed", "PUT", stock, "{\"on_hand\":", {400});
  c.Send("adjustment delta 0", "POST", "/v1/stock/adjustments",
         json({{"location_id", "berlin-dc"}, {"sku", "SKU-0001"}, {"delta", 0}, {"reason", "x"}}).dump(), {422}, "/delta");
  c.Send("adjustment below zero", "POST", "/v1/stock/adjustments",
         json({{"location_id", "berlin-dc"}, {"sku", "SKU-0001"}, {"delta", -999999999}, {"reason", "x"}}).dump(),
         {409, 422});
  c.Send("adjustment sql sku", "POST", "/v1/stock/adjustments",
         json({{"location_id", "berlin-dc"}, {"sku", kSql}, {"delta", 1}, {"reason", "x"}}).dump(), {422}, "/sku");
  const std::string product = "/v1/products/SKU-0001";
  c.Send("product price 3 decimals", "PUT", product, json({{"name", "x"}, {"price", "12.345"}, {"currency", "EUR"}}).dump(),
         {422}, "/price");
  c.Send("product price as number", "PUT", product, json({{"name", "x"}, {"price", 12.5}, {"currency", "EUR"}}).dump(),
         {422}, "/price");
  c.Send("product negative price", "PUT", product, json({{"name", "x"}, {"price", "-1.00"}, {"currency", "EUR"}}).dump(),
         {422}, "/price");
  c.Send("product bad currency", "PUT", product, json({{"name", "x"}, {"price", "1.00"}, {"currency", "EU"}}).dump(),
         {422}, "/currency");
  c.Send("product control char name", "PUT", product,
         json({{"name", "x\x07"}, {"price", "1.00"}, {"currency", "EUR"}}).dump(), {422}, "/name");
  const std::string location = "/v1/locations/berlin-dc";
  c.Send("location kind castle", "PUT", location,
         json({{"name", "x"}, {"kind", "castle"}, {"lat", 1}, {"lng", 1}}).dump(), {422}, "/kind");
  c.Send("location lat 100", "PUT", location,
         json({{"name", "x"}, {"kind", "warehouse"}, {"lat", 100}, {"lng", 1}}).dump(), {422}, "/lat");
  c.Send("cancel reason wrong type", "POST", "/v1/orders/" + existing_order + "/cancel", "{\"reason\":5}", {422},
         "/reason");
  c.Send("cancel with status", "POST", "/v1/orders/" + existing_order + "/cancel", "{\"status\":\"paid\"}", {422},
         "/status");
  c.Send("cancel malformed", "POST", "/v1/orders/" + existing_order + "/cancel", "{\"reason\":", {400});
  c.Send("cancel unknown order", "POST", "/v1/orders/ord_00000000000000000000000000/cancel", "", {404});
  // ---- methods and routes
  c.Send("DELETE orders", "DELETE", "/v1/orders", "", {405});
  c.Send("PATCH order", "PATCH", "/v1/orders/" + existing_order, "{}", {405});
  c.Send("unknown route", "GET", "/v1/nope", "", {404});
  return c;
}

struct Snapshot {
  json stock, products, locations, orders, reservations, events;
};

Snapshot Take(HttpClient& client, const std::string& order_id) {
  Snapshot s;
  auto get = [&](const std::string& path) {
    HttpResponse r = client.Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.Describe();
    json body = r.Json();
    return body.is_object() && body.contains("items") ? body["items"] : json();
  };
  s.stock = get("/v1/stock");
  s.products = get("/v1/products?limit=200");
  s.locations = get("/v1/locations");
  s.orders = get("/v1/orders?limit=200");
  s.reservations = get("/v1/reservations?state=pending");
  s.events = get("/v1/orders/" + order_id + "/events");
  return s;
}

// Once per backend: OrdoIntegration/BadInput.*/sqlite and …/postgres.
class BadInput : public OnBackend {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, BadInput, kAllBackends, BackendParamName);

TEST_P(BadInput, BadInputIsRefusedWithProblemJsonAndChangesNothing) {
  OrdoServer server({"--demo"}, GetParam());
  ASSERT_TRUE(server.Start());
  HttpClient client(server.url());

  // One existing order; SQL in free text is stored verbatim, never executed.
  json seed = OrderBody("SKU-0005", 2);
  seed["shipping_address"]["name"] = "Robert'); DROP TABLE orders;--";
  seed["external_id"] = "ext-seed-1";
  HttpResponse placed = client.Post("/v1/orders", seed);
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  const std::string order_id = placed.Json()["id"];
  HttpResponse got = client.Get("/v1/orders/" + order_id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["shipping_address"]["name"], "Robert'); DROP TABLE orders;--");

  StopResult stop = server.Terminate();
  ASSERT_EQ(stop.exit_code, 0) << stop.Describe();
  CheckResult check_before = server.RunCheck();
  ASSERT_EQ(check_before.exit_code, 0) << check_before.output;
  CheckCounts counts_before = ParseCheck(check_before.output);
  ASSERT_GE(counts_before.orders, 1) << check_before.output;
  ASSERT_TRUE(server.Restart());

  Snapshot before = Take(client, order_id);
  ASSERT_EQ(before.orders.size(), 1u);
  ASSERT_FALSE(before.events.empty());
  ASSERT_FALSE(before.stock.empty());

  Corpus corpus = BuildCorpus(order_id);
  int failed_cases = 0;
  for (const Bad& bad : corpus.items) {
    SCOPED_TRACE(bad.name + " — " + bad.request.method + " " + bad.request.path.substr(0, 120));
    HttpClient fresh(server.url());  // one connection per case: a 413 closes its connection
    HttpResponse r = fresh.Send(bad.request);
    const int parts_before = ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    ASSERT_NE(r.status, 0) << "the server did not answer: " << r.Describe();
    EXPECT_LT(r.status, 500) << r.Describe();
    EXPECT_GE(r.status, 400) << r.Describe();
    EXPECT_TRUE(bad.statuses.count(r.status)) << "unexpected status: " << r.Describe();
    EXPECT_EQ(r.Header("content-type").rfind("application/problem+json", 0), 0u)
        << "content-type: " << r.Header("content-type");
    json body = r.Json();
    if (!body.is_object()) {
      ADD_FAILURE() << "the body is not a JSON object: " << r.Describe();
    } else {
      EXPECT_TRUE(body.contains("type") && body["type"].is_string() && !body["type"].get<std::string>().empty())
          << r.body;
      EXPECT_TRUE(body.contains("title") && body["title"].is_string()) << r.body;
      EXPECT_EQ(body.value("status", json()), json(r.status)) << r.body;
      if (!bad.type.empty()) {
        EXPECT_EQ(ProblemType(body), bad.type) << r.body;
      }
      if (!bad.pointer.empty()) {
        bool has = body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
                   body["errors"][0].contains("pointer") && body["errors"][0]["pointer"].is_string();
        EXPECT_TRUE(has) << "no errors[0].pointer: " << r.body;
        if (has) {
          std::string pointer = body["errors"][0]["pointer"];
          if (bad.pointer.back() == '*') {
            EXPECT_EQ(pointer.rfind(bad.pointer.substr(0, bad.pointer.size() - 1), 0), 0u) << r.body;
          } else {
            EXPECT_EQ(pointer, bad.pointer) << r.body;
          }
        }
      }
    }
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() != parts_before)
      ++failed_cases;
  }
  std::cout << "[          ] " << corpus.items.size() << " bad requests sent, " << failed_cases
            << " answered wrongly\n";
  ASSERT_TRUE(server.Alive()) << "the server died during the corpus:\n" << server.LogTail();

  Snapshot after = Take(client, order_id);
  EXPECT_EQ(after.orders.size(), before.orders.size());
  EXPECT_EQ(after.orders, before.orders) << "orders changed";
  EXPECT_EQ(after.stock, before.stock) << "stock changed";
  EXPECT_EQ(after.products, before.products) << "products changed";
  EXPECT_EQ(after.locations, before.locations) << "locations changed";
  EXPECT_EQ(after.reservations, before.reservations) << "reservations changed";
  EXPECT_EQ(after.events, before.events) << "the order's timeline changed";

  StopResult final_stop = server.Terminate();
  EXPECT_EQ(final_stop.exit_code, 0) << final_stop.Describe();
  CheckResult check_after = server.RunCheck();
  EXPECT_EQ(check_after.exit_code, 0) << check_after.output;
  CheckCounts counts_after = ParseCheck(check_after.output);
  EXPECT_EQ(counts_after.orders, counts_before.orders) << check_after.output;
  EXPECT_EQ(counts_after.events, counts_before.events) << "bad input appended events\n" << check_after.output;
  EXPECT_EQ(counts_after.pending, counts_before.pending) << check_after.output;
}

}  // namespace
}  // namespace ordo::itest

#include "http/json_io.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ordo::http {
namespace {

const char* kOrder = R"({"currency":"EUR","lines":[{"sku":"MUG","quantity":2}],
  "shipping_address":{"name":"Ada","line1":"Street 1","city":"Berlin","postal_code":"10117","country":"DE","lat":52.5,"lng":13.4}})";

Error OrderError(const std::string& body) {
  auto parsed = ParseBody(body, false);
  if (!parsed) return parsed.error();
  auto order = ParseOrder(*parsed);
  EXPECT_FALSE(order.ok()) << body;
  return order.ok() ? Error{} : order.error();
}

std::string With(const std::string& from, const std::string& to) {
  std::string s = kOrder;
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(JsonIoTest, ParsesAValidOrder) {
  auto body = ParseBody(kOrder, false);
  ASSERT_TRUE(body.ok());
  auto order = ParseOrder(*body);
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->lines[0].quantity, 2);
  EXPECT_EQ(order->shipping_address.city, "Berlin");
  ASSERT_TRUE(order->shipping_address.lat.has_value());
}

TEST(JsonIoTest, MalformedJsonIsA400Kind) {
  for (const char* bad : {"", "{", "[1,2]", "\"x\"", "{\"a\":1,}", "nul", "{\"a\":1}{"}) {
    auto parsed = ParseBody(bad, false);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().type, "malformed-json") << bad;
  }
}

TEST(JsonIoTest, RefusesDeepNestingAndDuplicateKeys) {
  std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(ParseBody(deep, false).error().type, "malformed-json");
  std::string deep_string = "{\"a\":\"" + std::string(40, '[') + "\"}";  // brackets inside strings are fine
  EXPECT_TRUE(ParseBody(deep_string, false).ok());
  EXPECT_EQ(ParseBody(R"({"a":1,"a":2})", false).error().type, "malformed-json");
  EXPECT_EQ(ParseBody(R"({"x":{"a":1,"a":2}})", false).error().type, "malformed-json");
  EXPECT_TRUE(ParseBody(R"({"x":{"a":1},"y":{"a":2}})", false).ok());
}

TEST(JsonIoTest, WrongTypesAndQuantitiesNameTheField) {
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":\"2\"")).pointer, "/lines/0/quantity");
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":1.5")).pointer, "/lines/0/quantity");
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":1e30")).pointer, "/lines/0/quantity");
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":99999999999999999999")).pointer, "/lines/0/quantity");
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":true")).pointer, "/lines/0/quantity");
  EXPECT_EQ(OrderError(With("\"sku\":\"MUG\"", "\"sku\":7")).pointer, "/lines/0/sku");
  EXPECT_EQ(OrderError(With("\"lines\":[{\"sku\":\"MUG\",\"quantity\":2}]", "\"lines\":{}")).pointer, "/lines");
  EXPECT_EQ(OrderError(With("\"lines\":[{\"sku\":\"MUG\",\"quantity\":2}]", "\"lines\":[7]")).pointer, "/lines/0");
  EXPECT_EQ(OrderError(With("\"city\":\"Berlin\"", "\"city\":[]")).pointer, "/shipping_address/city");
  EXPECT_EQ(OrderError(With("\"lat\":52.5", "\"lat\":\"52.5\"")).pointer, "/shipping_address/lat");
}

TEST(JsonIoTest, PricesTotalsAndStatusAreNeverAccepted) {
  EXPECT_EQ(OrderError(With("\"currency\":\"EUR\"", "\"currency\":\"EUR\",\"total\":\"0.01\"")).pointer, "/total");
  EXPECT_EQ(OrderError(With("\"currency\":\"EUR\"", "\"currency\":\"EUR\",\"status\":\"paid\"")).pointer, "/status");
  EXPECT_EQ(OrderError(With("\"quantity\":2", "\"quantity\":2,\"price\":\"0.01\"")).pointer, "/lines/0/price");
  EXPECT_EQ(OrderError(With("\"city\":\"Berlin\"", "\"city\":\"Berlin\",\"x\":1")).pointer, "/shipping_address/x");
}

TEST(JsonIoTest, ControlAndZeroWidthCharactersAreRefused) {
  EXPECT_EQ(OrderError(With("\"name\":\"Ada\"", "\"name\":\"A\\u0000da\"")).pointer, "/shipping_address/name");
  EXPECT_EQ(OrderError(With("\"name\":\"Ada\"", "\"name\":\"A\\u200bda\"")).pointer, "/shipping_address/name");
  EXPECT_EQ(OrderError(With("\"name\":\"Ada\"", "\"name\":\"A\\nda\"")).pointer, "/shipping_address/name");
}

TEST(JsonIoTest, ProductsTakeDecimalPricesForTheCurrency) {
  auto p = ParseProduct(*ParseBody(R"({"name":"Mug","price":"12.50","currency":"EUR","attributes":{"c":"red"}})", false), "MUG");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->price.minor, 1250);
  EXPECT_EQ(p->attributes, R"({"c":"red"})");
  auto yen = ParseProduct(*ParseBody(R"({"name":"Cup","price":"1500","currency":"JPY"})", false), "CUP");
  ASSERT_TRUE(yen.ok());
  EXPECT_EQ(yen->price.minor, 1500);
  EXPECT_EQ(ParseProduct(*ParseBody(R"({"name":"Cup","price":"15.5","currency":"JPY"})", false), "CUP").error().pointer, "/price");
  EXPECT_EQ(ParseProduct(*ParseBody(R"({"name":"Mug","price":12.5,"currency":"EUR"})", false), "MUG").error().pointer, "/price");
  EXPECT_EQ(ParseProduct(*ParseBody(R"({"name":"Mug","price":"-1","currency":"EUR"})", false), "MUG").error().pointer, "/price");
}

TEST(JsonIoTest, StockInputs) {
  auto set = ParseStockSet(*ParseBody(R"({"on_hand":5,"expected_on_hand":3})", false), "berlin", "MUG");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->expected_on_hand, 3);
  EXPECT_EQ(ParseStockSet(*ParseBody(R"({"on_hand":-1})", false), "b", "M").error().pointer, "/on_hand");
  auto adj = ParseAdjustment(*ParseBody(R"({"location_id":"berlin","sku":"MUG","delta":-2,"reason":"damaged"})", false));
  ASSERT_TRUE(adj.ok());
  EXPECT_EQ(adj->delta, -2);
  EXPECT_EQ(ParseAdjustment(*ParseBody(R"({"location_id":"berlin","sku":"MUG","delta":0,"reason":"x"})", false)).error().pointer, "/delta");
}

TEST(JsonIoTest, RendersMoneyAsDecimalStrings) {
  domain::Order o;
  o.id = "ord_1";
  o.currency = "EUR";
  o.lines = {{"MUG", "Mug", 2, 1250, 2500}};
  o.total_minor = 2500;
  auto j = nlohmann::json::parse(OrderJson(o));
  EXPECT_EQ(j["total"], "25.00");
  EXPECT_EQ(j["lines"][0]["unit_price"], "12.50");
  EXPECT_TRUE(j["external_id"].is_null());
}

}  // namespace
}  // namespace ordo::http

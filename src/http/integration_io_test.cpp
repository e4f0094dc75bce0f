#include "http/integration_io.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/json_io.h"

namespace ordo::http {
namespace {

using nlohmann::json;

// Seed 000's example, as the README of the Node.js system sends it.
json SeedOrder() {
  return json::parse(R"({
    "erpOrderId": "ORD-123",
    "organizationId": "org-456",
    "channelId": "shopify-store",
    "deliveryAddress": {
      "name": "John Doe", "address1": "123 Main St", "city": "Madrid", "zip": "28001",
      "countryCode": "ES", "subdivisionCode": "M", "phone": "+34612345678"
    },
    "lines": [{
      "id": 1,
      "product": {"id": 100, "name": "Test Product", "code": "SKU-001", "hsCode": "4202920000"},
      "quantity": 2, "currency": "EUR", "unitCustomsValue": 25.50
    }]
  })");
}

Error ErpError(const json& body) {
  auto order = ParseErpOrder(body);
  EXPECT_FALSE(order.ok()) << body.dump();
  return order.ok() ? Error{} : order.error();
}

TEST(ErpOrderTest, SeedZerosPayloadBecomesAnOrderRequest) {
  auto order = ParseErpOrder(SeedOrder());
  ASSERT_TRUE(order.ok()) << order.error().pointer << " " << order.error().message;
  const domain::OrderRequest& r = order->request;
  EXPECT_EQ(r.external_id, "ORD-123");
  EXPECT_EQ(r.channel, "shopify-store");
  EXPECT_EQ(order->ref.organization_id, "org-456");
  EXPECT_EQ(r.currency, "EUR");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].sku, "SKU-001");
  EXPECT_EQ(r.lines[0].quantity, 2);
  EXPECT_EQ(r.shipping_address.line1, "123 Main St");
  EXPECT_EQ(r.shipping_address.postal_code, "28001");
  EXPECT_EQ(r.shipping_address.country, "ES");
  EXPECT_EQ(r.shipping_address.region, "M");
  EXPECT_EQ(r.shipping_address.phone, "+34612345678");
  EXPECT_TRUE(r.customer_id.empty());
  EXPECT_EQ(order->product_names[0], "Test Product (ERP product 100)");
  EXPECT_TRUE(domain::ValidateOrderRequest(r).ok());
}

TEST(ErpOrderTest, EveryFieldIsCheckedAndNamedAsTheErpSpellsIt) {
  struct Case {
    const char* pointer;
    json value;  // null: remove the field
    const char* want;
  };
  const Case cases[] = {
      {"/erpOrderId", nullptr, "/erpOrderId"},
      {"/erpOrderId", "ORD 123", "/erpOrderId"},
      {"/organizationId", 456, "/organizationId"},
      {"/channelId", "", "/channelId"},
      {"/deliveryAddress/zip", nullptr, "/deliveryAddress/zip"},
      {"/deliveryAddress/address1", "", "/deliveryAddress/address1"},
      {"/deliveryAddress/street", "x", "/deliveryAddress/street"},
      {"/deliveryAddress/countryCode", "ESP", "/deliveryAddress/countryCode"},
      {"/lines", json::array(), "/lines"},
      {"/lines/0/product/code", "SKU 001", "/lines/0/product/code"},
      {"/lines/0/product/code", nullptr, "/lines/0/product/code"},
      {"/lines/0/product/id", json::object(), "/lines/0/product/id"},
      {"/lines/0/quantity", 0, "/lines/0/quantity"},
      {"/lines/0/quantity", 2.5, "/lines/0/quantity"},
      {"/lines/0/currency", "euro", "/lines/0/currency"},
      {"/lines/0/unitCustomsValue", -1, "/lines/0/unitCustomsValue"},
      {"/lines/0/unitCustomsValue", "25.50", "/lines/0/unitCustomsValue"},
      {"/lines/0/price", "1.00", "/lines/0/price"},  // prices come from the catalogue, never from an order
      {"/status", "paid", "/status"},
  };
  for (const Case& c : cases) {
    json body = SeedOrder();
    json::json_pointer at(c.pointer);
    if (c.value.is_null()) body[at.parent_pointer()].erase(at.back());
    else body[at] = c.value;
    EXPECT_EQ(ErpError(body).pointer, c.want) << c.pointer << " = " << c.value.dump();
  }
}

TEST(ErpOrderTest, LinesShareOneCurrencyAndNameAProductOnce) {
  json body = SeedOrder();
  json second = body["lines"][0];
  second["id"] = 2;
  second["currency"] = "USD";
  second["product"]["code"] = "SKU-002";
  body["lines"].push_back(second);
  EXPECT_EQ(ErpError(body).pointer, "/lines/1/currency");
  body["lines"][1]["currency"] = "EUR";
  body["lines"][1]["product"]["code"] = "SKU-001";
  EXPECT_EQ(ErpError(body).pointer, "/lines/1/product/code");
}

TEST(ErpOrderTest, UnknownProductsAreListedEveryOne) {
  json body = SeedOrder();
  for (const char* code : {"SKU-002", "SKU-003"}) {
    json line = body["lines"][0];
    line["product"]["code"] = code;
    body["lines"].push_back(line);
  }
  auto order = ParseErpOrder(body);
  ASSERT_TRUE(order.ok());
  std::vector<domain::Product> known = {{"SKU-002", "Two", {100, "EUR"}, "", "{}", 0}};
  auto checked = CheckErpProducts(*order, known);
  ASSERT_FALSE(checked.ok());
  const Error& e = checked.error();
  EXPECT_EQ(e.type, "unknown-product");
  EXPECT_EQ(e.pointer, "/lines/0/product/code");
  EXPECT_NE(e.message.find("SKU-001"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("Test Product (ERP product 100)"), std::string::npos) << e.message;
  ASSERT_EQ(e.also.size(), 1u);
  EXPECT_EQ(e.also[0].pointer, "/lines/2/product/code");
  known.push_back({"SKU-001", "One", {100, "USD"}, "", "{}", 0});
  known.push_back({"SKU-003", "Three", {100, "EUR"}, "", "{}", 0});
  auto priced = CheckErpProducts(*order, known);
  ASSERT_FALSE(priced.ok());
  EXPECT_EQ(priced.error().pointer, "/lines/0/currency");
  known[1].price.currency = "EUR";
  EXPECT_TRUE(CheckErpProducts(*order, known).ok());
}

TEST(ErpOrderTest, OrderRequestPointersBecomeTheErpsOnes) {
  EXPECT_EQ(ErpPointers(Error::Invalid("/shipping_address/postal_code", "x")).pointer, "/deliveryAddress/zip");
  EXPECT_EQ(ErpPointers(Error::Invalid("/shipping_address/line1", "x")).pointer, "/deliveryAddress/address1");
  EXPECT_EQ(ErpPointers(Error::Invalid("/shipping_address/country", "x")).pointer, "/deliveryAddress/countryCode");
  EXPECT_EQ(ErpPointers(Error::Invalid("/shipping_address", "x")).pointer, "/deliveryAddress");
  EXPECT_EQ(ErpPointers(Error::Invalid("/lines/3/sku", "x")).pointer, "/lines/3/product/code");
  EXPECT_EQ(ErpPointers(Error::Invalid("/lines/3/quantity", "x")).pointer, "/lines/3/quantity");
  EXPECT_EQ(ErpPointers(Error::Invalid("/currency", "x")).pointer, "/lines/0/currency");
  EXPECT_EQ(ErpPointers(Error::Invalid("/external_id", "x")).pointer, "/erpOrderId");
}

TEST(WmsEventTest, ParsesTheSimulatorsCallbackAndRefusesBadOnes) {
  json body = {{"event_id", "wmsevt_1"}, {"order_id", "ord_1"}, {"wms_order_id", "wms_1"}, {"status", "shipped"},
               {"carrier", "DHL"}, {"tracking", "JD1"}, {"occurred_at", "2026-11-23T10:00:00.123Z"}};
  auto event = ParseWmsEvent(body);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->order_id, "ord_1");
  EXPECT_EQ(event->callback.status, "shipped");
  EXPECT_EQ(event->callback.tracking, "JD1");
  for (auto [field, value] : {std::pair<const char*, json>{"status", "lost"}, {"order_id", "ord 1"},
                              {"event_id", ""}, {"carrier", 7}, {"extra", 1}}) {
    json bad = body;
    bad[field] = value;
    auto refused = ParseWmsEvent(bad);
    ASSERT_FALSE(refused.ok()) << field;
    EXPECT_EQ(refused.error().pointer, std::string("/") + field);
  }
  json missing = body;
  missing.erase("occurred_at");
  EXPECT_EQ(ParseWmsEvent(missing).error().pointer, "/occurred_at");
}

}  // namespace
}  // namespace ordo::http

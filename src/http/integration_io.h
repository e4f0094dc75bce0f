// JSON ↔ values of the integrations' endpoints: seed 000's Fulfil order
// (POST /v1/integrations/erp/orders) and the WMS's status callbacks (POST
// /v1/integrations/wms/events, the format of sim/wms.h). Strict like
// json_io.h: unknown fields, wrong types and bad values are a 422 naming the
// field by JSON pointer, as the other system spells it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/result.h"
#include "domain/catalog/catalog.h"
#include "domain/order/lifecycle.h"
#include "engine/commands.h"

namespace ordo::http {

// A Fulfil order as an order request:
//   erpOrderId → external_id, channelId → channel, organizationId → the dedupe scope,
//   deliveryAddress {name, address1, address2?, city, zip, countryCode, subdivisionCode?, phone?}
//     → shipping_address {name, line1, line2, city, postal_code, country, region, phone},
//   lines [{id, product {id, name, code, hsCode?}, quantity, currency, unitCustomsValue?}]
//     → lines [{sku: product.code, quantity}], currency: the lines' one currency.
// Prices still come from the catalogue; unitCustomsValue (a number ≥ 0) is checked and not kept.
struct ErpOrder {
  domain::OrderRequest request;
  domain::ErpReference ref;
  std::vector<std::string> product_names;  // per line: "<product.name> (ERP product <product.id>)", for problems
};
Result<ErpOrder> ParseErpOrder(const nlohmann::json& body);

// The lines whose product the catalogue does not have, or has in another
// currency: a 422 naming every one (/lines/<i>/product/code, /lines/<i>/currency).
// `products` holds those of the order's SKUs that exist.
Status CheckErpProducts(const ErpOrder& order, const std::vector<domain::Product>& products);

// An error about the order request (validation, geocoding, placement) with
// its pointers in the Fulfil payload's terms: /shipping_address/postal_code →
// /deliveryAddress/zip, /lines/0/sku → /lines/0/product/code, and so on.
Error ErpPointers(Error error);

// {event_id, order_id, wms_order_id, status, carrier?, tracking?, occurred_at}.
Result<engine::ApplyWmsEvent> ParseWmsEvent(const nlohmann::json& body);
nlohmann::json ToJson(const engine::WmsEventResult& result);

}  // namespace ordo::http

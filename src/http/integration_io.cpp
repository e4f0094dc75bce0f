#include "http/integration_io.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/money.h"
#include "base/text.h"
#include "domain/order/wms.h"
#include "http/fields.h"

namespace ordo::http {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxExternalId = 128;

// An identifier field ([A-Za-z0-9._:-], as Ordo stores external ids and channels).
Status Identifier(Fields& f, const char* key, std::size_t max, std::string& out) {
  ORDO_CHECK(f.String(key, true, out, max));
  if (!IsIdentifier(out, max))
    return Error::Invalid(f.Pointer(key), std::string(key) + " must be 1-" + std::to_string(max) +
                                              " characters of [A-Za-z0-9._:-]");
  return Ok();
}

// An id another system gives as a number or a string: checked, kept as text.
Status ForeignId(Fields& f, const char* key, std::string& out) {
  if (!f.Has(key)) return Ok();
  const json& v = f.At(key);
  if (v.is_number_integer()) {
    out = v.dump();
    return Ok();
  }
  if (v.is_string() && IsCleanText(v.get_ref<const std::string&>(), 128) && !v.get_ref<const std::string&>().empty()) {
    out = v.get<std::string>();
    return Ok();
  }
  return Error::Invalid(f.Pointer(key), std::string(key) + " must be a whole number or a string of 1-128 characters");
}

Result<domain::Address> ParseDeliveryAddress(const json& v) {
  if (!v.is_object()) return Error::Invalid("/deliveryAddress", "deliveryAddress must be an object");
  Fields f(v, "/deliveryAddress");
  domain::Address a;
  ORDO_CHECK(f.String("name", true, a.name, 200));
  ORDO_CHECK(f.String("address1", true, a.line1, 200));
  ORDO_CHECK(f.String("address2", false, a.line2, 200));
  ORDO_CHECK(f.String("city", true, a.city, 100));
  ORDO_CHECK(f.String("zip", true, a.postal_code, 20));
  ORDO_CHECK(f.String("countryCode", true, a.country, 2));
  ORDO_CHECK(f.String("subdivisionCode", false, a.region, 100));
  ORDO_CHECK(f.String("phone", false, a.phone, 32));
  ORDO_CHECK(f.Done());
  for (auto [value, key] : {std::pair{&a.name, "name"}, {&a.line1, "address1"}, {&a.city, "city"}, {&a.postal_code, "zip"}})
    if (value->empty()) return Error::Invalid(f.Pointer(key), std::string(key) + " must not be empty");
  return a;
}

// One line: its SKU and quantity into the request, its currency out.
Status ParseLine(const json& v, std::size_t i, domain::OrderRequest& request, std::string& currency,
                 std::string& product_name) {
  std::string base = "/lines/" + std::to_string(i);
  if (!v.is_object()) return Error::Invalid(base, "each line must be an object");
  Fields f(v, base);
  std::string id, product_id, hs_code;
  domain::RequestedLine line;
  ORDO_CHECK(ForeignId(f, "id", id));
  if (!f.Has("product")) return Error::Invalid(base + "/product", "product is required");
  const json& product = f.At("product");
  if (!product.is_object()) return Error::Invalid(base + "/product", "product must be an object");
  Fields pf(product, base + "/product");
  ORDO_CHECK(ForeignId(pf, "id", product_id));
  ORDO_CHECK(pf.String("name", false, product_name, 200));
  ORDO_CHECK(pf.String("code", true, line.sku, 64));
  ORDO_CHECK(pf.String("hsCode", false, hs_code, 16));
  ORDO_CHECK(pf.Done());
  if (!domain::IsSku(line.sku))
    return Error::Invalid(base + "/product/code", "code must be a SKU: 1-64 characters of [A-Za-z0-9._:-]");
  ORDO_CHECK(f.Integer("quantity", true, line.quantity));
  if (line.quantity < 1 || line.quantity > domain::kMaxLineQuantity)
    return Error::Invalid(base + "/quantity", "quantity must be a whole number from 1 to 1000000");
  ORDO_CHECK(f.String("currency", true, currency, 3));
  if (!IsCurrencyCode(currency)) return Error::Invalid(base + "/currency", "currency must be an ISO 4217 code such as EUR");
  std::optional<double> customs;
  ORDO_CHECK(f.Number("unitCustomsValue", false, customs));
  if (customs && !(*customs >= 0 && *customs < 1e12))
    return Error::Invalid(base + "/unitCustomsValue", "unitCustomsValue must be a number of at least 0");
  ORDO_CHECK(f.Done());
  product_name = (product_name.empty() ? line.sku : product_name) +
                 (product_id.empty() ? "" : " (ERP product " + product_id + ")");
  request.lines.push_back(std::move(line));
  return Ok();
}

}  // namespace

Result<ErpOrder> ParseErpOrder(const json& body) {
  Fields f(body, "");
  ErpOrder out;
  domain::OrderRequest& r = out.request;
  ORDO_CHECK(Identifier(f, "erpOrderId", kMaxExternalId, r.external_id));
  ORDO_CHECK(Identifier(f, "organizationId", kMaxExternalId, out.ref.organization_id));
  ORDO_CHECK(Identifier(f, "channelId", 64, r.channel));
  if (!f.Has("deliveryAddress")) return Error::Invalid("/deliveryAddress", "deliveryAddress is required");
  auto address = ParseDeliveryAddress(f.At("deliveryAddress"));
  if (!address) return address.take_error();
  r.shipping_address = std::move(*address);
  if (!f.Has("lines")) return Error::Invalid("/lines", "lines is required");
  const json& lines = f.At("lines");
  if (!lines.is_array() || lines.empty() || lines.size() > domain::kMaxOrderLines)
    return Error::Invalid("/lines", "lines must be an array of 1 to 100 lines");
  std::set<std::string> skus;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string currency, name;
    ORDO_CHECK(ParseLine(lines[i], i, r, currency, name));
    if (i == 0) r.currency = currency;
    if (currency != r.currency)
      return Error::Invalid("/lines/" + std::to_string(i) + "/currency",
                            "every line of an order has the same currency; line 0 is in " + r.currency);
    if (!skus.insert(r.lines.back().sku).second)
      return Error::Invalid("/lines/" + std::to_string(i) + "/product/code",
                            "product " + r.lines.back().sku + " is on more than one line");
    out.product_names.push_back(std::move(name));
  }
  ORDO_CHECK(f.Done());
  return out;
}

Status CheckErpProducts(const ErpOrder& order, const std::vector<domain::Product>& products) {
  std::map<std::string, const domain::Product*> by_sku;
  for (const auto& p : products) by_sku[p.sku] = &p;
  std::vector<FieldError> faults;
  for (std::size_t i = 0; i < order.request.lines.size(); ++i) {
    const std::string& sku = order.request.lines[i].sku;
    std::string at = "/lines/" + std::to_string(i);
    auto it = by_sku.find(sku);
    if (it == by_sku.end())
      faults.push_back({at + "/product/code", "unknown product " + sku + ": " + order.product_names[i] +
                                                  " is not in the catalogue"});
    else if (it->second->price.currency != order.request.currency)
      faults.push_back({at + "/currency", "product " + sku + " is priced in " + it->second->price.currency + ", not " +
                                              order.request.currency});
  }
  if (faults.empty()) return Ok();
  bool unknown = faults[0].pointer.ends_with("/code");
  std::string detail = faults[0].detail;
  if (faults.size() > 1) detail += " (and " + std::to_string(faults.size() - 1) + " more in errors)";
  Error e{Code::kInvalidArgument, unknown ? "unknown-product" : "validation", detail, faults[0].pointer, {}};
  e.also.assign(faults.begin() + 1, faults.end());
  return e;
}

Error ErpPointers(Error e) {
  static const std::pair<std::string_view, std::string_view> kAddress[] = {
      {"name", "name"},     {"line1", "address1"},   {"line2", "address2"},     {"city", "city"},
      {"region", "subdivisionCode"}, {"postal_code", "zip"}, {"country", "countryCode"}, {"phone", "phone"}};
  auto map = [](const std::string& p) -> std::string {
    if (p == "/external_id") return "/erpOrderId";
    if (p == "/channel") return "/channelId";
    if (p == "/currency") return "/lines/0/currency";
    if (p.starts_with("/lines/") && p.ends_with("/sku")) return p.substr(0, p.size() - 4) + "/product/code";
    constexpr std::string_view kShipping = "/shipping_address";
    if (p.starts_with(kShipping)) {
      std::string_view field = std::string_view(p).substr(kShipping.size());
      if (field.empty()) return "/deliveryAddress";
      for (const auto& [ours, theirs] : kAddress)
        if (field.substr(1) == ours) return "/deliveryAddress/" + std::string(theirs);
      return "/deliveryAddress";
    }
    return p;
  };
  e.pointer = map(e.pointer);
  for (auto& more : e.also) more.pointer = map(more.pointer);
  return e;
}

Result<engine::ApplyWmsEvent> ParseWmsEvent(const json& body) {
  Fields f(body, "");
  engine::ApplyWmsEvent e;
  domain::WmsCallback& cb = e.callback;
  ORDO_CHECK(f.String("event_id", true, cb.event_id, 255));
  ORDO_CHECK(f.String("order_id", true, e.order_id, 64));
  ORDO_CHECK(f.String("wms_order_id", true, cb.wms_order_id, 255));
  ORDO_CHECK(f.String("status", true, cb.status, 32));
  ORDO_CHECK(f.String("carrier", false, cb.carrier, 64));
  ORDO_CHECK(f.String("tracking", false, cb.tracking, 128));
  ORDO_CHECK(f.String("occurred_at", true, cb.occurred_at, 64));
  ORDO_CHECK(f.Done());
  if (cb.event_id.empty()) return Error::Invalid("/event_id", "event_id must not be empty");
  if (!IsIdentifier(e.order_id, 64)) return Error::Invalid("/order_id", "order_id must be an Ordo order id");
  if (cb.wms_order_id.empty()) return Error::Invalid("/wms_order_id", "wms_order_id must not be empty");
  if (!domain::IsWmsStatus(cb.status))
    return Error::Invalid("/status", "status must be picked, packed, shipped, delivered or cancelled");
  return e;
}

json ToJson(const engine::WmsEventResult& r) {
  json j = {{"result", r.result}, {"order_id", r.order_id}, {"order_status", r.order_status}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

}  // namespace ordo::http

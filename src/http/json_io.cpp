#include "http/json_io.h"

#include <algorithm>
#include <charconv>
#include <cctype>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "base/clock.h"
#include "base/json_writer.h"
#include "base/money.h"
#include "base/text.h"
#include "http/fields.h"

namespace ordo::http {

Status ParseEmptyBody(const std::string& body) {
  auto parsed = ParseBody(body, true);
  if (!parsed) return parsed.take_error();
  if (!parsed->empty()) return Error::Invalid("/" + parsed->begin().key(), "unknown field " + parsed->begin().key());
  return Ok();
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = Dump(body);
  return r;
}

Result<int> PageLimit(const Request& r) {
  if (!r.HasQuery("limit")) return store::kDefaultPageLimit;
  std::string text = r.Query("limit");
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return Error::Invalid("/limit", "the query parameter limit must be a whole number");
  return std::clamp(value, 1, store::kMaxPageLimit);
}

Result<std::string> QueryFilter(const Request& r, const char* key, std::size_t max) {
  std::string v = r.Query(key);
  if (!v.empty() && !IsIdentifier(v, max))
    return Error::Invalid(std::string("/") + key, std::string("the query parameter ") + key + " is not a valid value");
  return v;
}

using nlohmann::json;

namespace {

Error Malformed(std::string message) {
  return {Code::kInvalidArgument, "malformed-json", std::move(message), "", {}};
}

// Nesting depth outside strings, without building anything.
bool TooDeep(const std::string& s) {
  int depth = 0;
  bool in_string = false, escape = false;
  for (char c : s) {
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

Result<domain::Address> ParseAddress(const json& v) {
  if (!v.is_object()) return Error::Invalid("/shipping_address", "shipping_address must be an object");
  Fields f(v, "/shipping_address");
  domain::Address a;
  ORDO_CHECK(f.String("name", true, a.name));
  ORDO_CHECK(f.String("line1", true, a.line1));
  ORDO_CHECK(f.String("line2", false, a.line2));
  ORDO_CHECK(f.String("city", true, a.city));
  ORDO_CHECK(f.String("region", false, a.region));
  ORDO_CHECK(f.String("postal_code", false, a.postal_code));
  ORDO_CHECK(f.String("country", true, a.country));
  ORDO_CHECK(f.String("phone", false, a.phone, 32));
  ORDO_CHECK(f.Number("lat", false, a.lat));
  ORDO_CHECK(f.Number("lng", false, a.lng));
  ORDO_CHECK(f.Done());
  return a;
}

std::string Money(std::int64_t minor, const std::string& currency) {
  return FormatDecimal(minor, CurrencyExponent(currency));
}

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

}  // namespace

Result<json> ParseBody(const std::string& body, bool allow_empty) {
  if (body.empty()) {
    if (allow_empty) return json::object();
    return Malformed("the request needs a JSON body");
  }
  if (TooDeep(body)) return Malformed("the JSON is nested deeper than 32 levels");
  // Duplicate keys are refused: which of two values wins is a classic smuggling trick.
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  json parsed = json::parse(
      body,
      [&](int, json::parse_event_t event, json& value) {
        switch (event) {
          case json::parse_event_t::object_start: keys.emplace_back(); break;
          case json::parse_event_t::object_end:
            if (!keys.empty()) keys.pop_back();
            break;
          case json::parse_event_t::key:
            if (!keys.empty() && !keys.back().insert(value.get<std::string>()).second) duplicate = true;
            break;
          default: break;
        }
        return true;
      },
      false);
  if (parsed.is_discarded()) return Malformed("the body is not valid JSON");
  if (duplicate) return Malformed("the JSON has a duplicate key");
  if (!parsed.is_object()) return Malformed("the body must be a JSON object");
  return parsed;
}

Result<domain::Product> ParseProduct(const json& body, const std::string& sku) {
  Fields f(body, "");
  domain::Product p;
  p.sku = sku;
  std::string price;
  ORDO_CHECK(f.String("name", true, p.name, 200));
  ORDO_CHECK(f.String("price", true, price, 32));
  ORDO_CHECK(f.String("currency", true, p.price.currency, 3));
  ORDO_CHECK(f.String("hs_code", false, p.hs_code, 16));
  if (f.Has("attributes")) {
    const json& a = f.At("attributes");
    if (!a.is_object()) return Error::Invalid("/attributes", "attributes must be an object");
    p.attributes = a.dump();
    if (p.attributes.size() > 16 * 1024) return Error::Invalid("/attributes", "attributes must be at most 16 KiB");
  } else {
    p.attributes = "{}";
  }
  ORDO_CHECK(f.Done());
  if (!IsCurrencyCode(p.price.currency))
    return Error::Invalid("/currency", "currency must be an ISO 4217 code such as USD");
  auto minor = ParseDecimal(price, CurrencyExponent(p.price.currency));
  if (!minor)
    return Error::Invalid("/price", "price must be a decimal string such as \"12.50\" with at most " +
                                        std::to_string(CurrencyExponent(p.price.currency)) + " decimals");
  p.price.minor = *minor;
  ORDO_CHECK(domain::ValidateProduct(p));
  return p;
}

Result<domain::Location> ParseLocation(const json& body, const std::string& id) {
  Fields f(body, "");
  domain::Location l;
  l.id = id;
  std::string kind;
  std::optional<double> lat, lng;
  ORDO_CHECK(f.String("name", true, l.name, 200));
  ORDO_CHECK(f.String("kind", true, kind, 16));
  ORDO_CHECK(f.Number("lat", true, lat));
  ORDO_CHECK(f.Number("lng", true, lng));
  ORDO_CHECK(f.Bool("active", l.active));
  ORDO_CHECK(f.Done());
  if (!domain::ParseLocationKind(kind, &l.kind)) return Error::Invalid("/kind", "kind must be warehouse or store");
  l.lat = *lat;
  l.lng = *lng;
  ORDO_CHECK(domain::ValidateLocation(l));
  return l;
}

Result<engine::SetStock> ParseStockSet(const json& body, const std::string& location_id, const std::string& sku) {
  Fields f(body, "");
  engine::SetStock c{location_id, sku, 0, std::nullopt};
  ORDO_CHECK(f.Integer("on_hand", true, c.on_hand));
  if (f.Has("expected_on_hand")) {
    std::int64_t expected = 0;
    ORDO_CHECK(f.Integer("expected_on_hand", true, expected));
    c.expected_on_hand = expected;
  }
  ORDO_CHECK(f.Done());
  if (c.on_hand < 0 || c.on_hand > domain::kMaxQuantity)
    return Error::Invalid("/on_hand", "on_hand must be a whole number from 0 to 1000000000");
  return c;
}

Result<engine::AdjustStock> ParseAdjustment(const json& body) {
  Fields f(body, "");
  engine::AdjustStock c;
  ORDO_CHECK(f.String("location_id", true, c.location_id, 64));
  ORDO_CHECK(f.String("sku", true, c.sku, 64));
  ORDO_CHECK(f.Integer("delta", true, c.delta));
  ORDO_CHECK(f.String("reason", true, c.reason, 200));
  ORDO_CHECK(f.Done());
  if (!domain::IsLocationId(c.location_id)) return Error::Invalid("/location_id", "location_id is not a valid id");
  if (!domain::IsSku(c.sku)) return Error::Invalid("/sku", "sku is not a valid sku");
  if (c.delta == 0 || c.delta > domain::kMaxQuantity || c.delta < -domain::kMaxQuantity)
    return Error::Invalid("/delta", "delta must be a non-zero whole number within ±1000000000");
  if (c.reason.empty()) return Error::Invalid("/reason", "reason is required");
  return c;
}

Result<domain::OrderRequest> ParseOrder(const json& body) {
  Fields f(body, "");
  domain::OrderRequest r;
  ORDO_CHECK(f.String("external_id", false, r.external_id, 128));
  ORDO_CHECK(f.String("channel", false, r.channel, 64));
  ORDO_CHECK(f.String("customer_id", false, r.customer_id, 128));
  ORDO_CHECK(f.String("currency", true, r.currency, 3));
  if (!f.Has("lines")) return Error::Invalid("/lines", "lines is required");
  const json& lines = f.At("lines");
  if (!lines.is_array()) return Error::Invalid("/lines", "lines must be an array");
  if (lines.size() > domain::kMaxOrderLines) return Error::Invalid("/lines", "an order has at most 100 lines");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string base = "/lines/" + std::to_string(i);
    if (!lines[i].is_object()) return Error::Invalid(base, "each line must be an object");
    Fields lf(lines[i], base);
    domain::RequestedLine line;
    ORDO_CHECK(lf.String("sku", true, line.sku, 64));
    ORDO_CHECK(lf.Integer("quantity", true, line.quantity));
    ORDO_CHECK(lf.Done());
    r.lines.push_back(std::move(line));
  }
  if (!f.Has("shipping_address")) return Error::Invalid("/shipping_address", "shipping_address is required");
  auto address = ParseAddress(f.At("shipping_address"));
  if (!address) return address.take_error();
  r.shipping_address = std::move(*address);
  ORDO_CHECK(f.Done());
  return r;
}

Result<engine::CancelOrder> ParseCancel(const json& body, const std::string& order_id) {
  Fields f(body, "");
  engine::CancelOrder c{order_id, ""};
  ORDO_CHECK(f.String("reason", false, c.reason, 500));
  ORDO_CHECK(f.Done());
  return c;
}

Result<engine::PayOrder> ParsePay(const json& body, const std::string& order_id) {
  Fields f(body, "");
  engine::PayOrder c{order_id, {}};
  if (!f.Has("payment_method")) return Error::Invalid("/payment_method", "payment_method is required");
  const json& pm = f.At("payment_method");
  if (!pm.is_object()) return Error::Invalid("/payment_method", "payment_method must be an object");
  Fields pf(pm, "/payment_method");
  ORDO_CHECK(pf.String("token", true, c.request.token, 200));
  ORDO_CHECK(pf.Done());
  if (c.request.token.empty()) return Error::Invalid("/payment_method/token", "token must not be empty");
  ORDO_CHECK(f.Done());
  return c;
}

Result<engine::ShipOrder> ParseShip(const json& body, const std::string& order_id) {
  Fields f(body, "");
  engine::ShipOrder c{order_id, "", ""};
  ORDO_CHECK(f.String("carrier", false, c.carrier, 64));
  ORDO_CHECK(f.String("tracking", false, c.tracking, 128));
  ORDO_CHECK(f.Done());
  return c;
}

Result<engine::RefundOrder> ParseRefund(const json& body, const std::string& order_id, const std::string& currency) {
  Fields f(body, "");
  engine::RefundOrder c{order_id, {}};
  std::string amount;
  ORDO_CHECK(f.String("amount", false, amount, 32));
  if (f.Has("amount")) {
    auto minor = ParseDecimal(amount, CurrencyExponent(currency));
    if (!minor || *minor <= 0)
      return Error::Invalid("/amount", "amount must be a positive decimal string with at most " +
                                           std::to_string(CurrencyExponent(currency)) + " decimals, e.g. \"5.00\"");
    c.request.amount_minor = *minor;
  }
  if (f.Has("lines")) {
    const json& lines = f.At("lines");
    if (!lines.is_array() || lines.empty() || lines.size() > domain::kMaxOrderLines)
      return Error::Invalid("/lines", "lines must be an array of 1 to 100 {sku, quantity}");
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string base = "/lines/" + std::to_string(i);
      if (!lines[i].is_object()) return Error::Invalid(base, "each line must be an object");
      Fields lf(lines[i], base);
      domain::RequestedLine line;
      ORDO_CHECK(lf.String("sku", true, line.sku, 64));
      ORDO_CHECK(lf.Integer("quantity", true, line.quantity));
      ORDO_CHECK(lf.Done());
      if (line.quantity <= 0 || line.quantity > domain::kMaxLineQuantity)
        return Error::Invalid(base + "/quantity", "quantity must be a whole number from 1 to 1000000");
      c.request.lines.push_back(std::move(line));
    }
  }
  ORDO_CHECK(f.String("reason", false, c.request.reason, 500));
  ORDO_CHECK(f.Done());
  return c;
}

Result<engine::SetOrderStatus> ParseStatusChange(const json& body, const std::string& order_id) {
  Fields f(body, "");
  engine::SetOrderStatus c{order_id, ""};
  ORDO_CHECK(f.String("status", true, c.status, 64));
  ORDO_CHECK(f.Done());
  return c;
}

Result<json> ParseBranding(const json& body) {
  Fields f(body, "");
  std::string shop_name, logo_url;
  ORDO_CHECK(f.String("shop_name", true, shop_name, 100));
  if (shop_name.empty()) return Error::Invalid("/shop_name", "shop_name must not be empty");
  std::int64_t version = 0;
  ORDO_CHECK(f.Integer("version", false, version));  // checked by the engine (optimistic concurrency)
  ORDO_CHECK(f.String("logo_url", false, logo_url, 2000));
  if (!logo_url.empty() && !logo_url.starts_with("https://") && !logo_url.starts_with("http://"))
    return Error::Invalid("/logo_url", "logo_url must be an http(s) URL");
  json colors = json::object();
  if (f.Has("colors")) {
    const json& c = f.At("colors");
    if (!c.is_object()) return Error::Invalid("/colors", "colors must be an object");
    Fields cf(c, "/colors");
    for (const char* key : {"primary", "accent", "background", "text"}) {
      std::string value;
      ORDO_CHECK(cf.String(key, false, value, 7));
      if (!cf.Has(key)) continue;
      bool hex = value.size() == 7 && value[0] == '#' &&
                 std::all_of(value.begin() + 1, value.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
      if (!hex) return Error::Invalid(std::string("/colors/") + key, std::string(key) + " must be a colour like #1a2b3c");
      colors[key] = value;
    }
    ORDO_CHECK(cf.Done());
  }
  ORDO_CHECK(f.Done());
  return json{{"shop_name", shop_name}, {"logo_url", NullIfEmpty(logo_url)}, {"colors", colors}};
}

json ToJson(const store::Job& j) {
  json payload = json::parse(j.payload, nullptr, false);
  if (payload.is_discarded()) payload = json::object();
  payload.erase("token");  // a card token is not for display
  return {{"id", j.id},
          {"kind", j.kind},
          {"order_id", NullIfEmpty(j.order_id)},
          {"step", j.step},
          {"idempotency_key", j.key()},
          {"state", j.state},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"run_at", FormatTimestamp(j.run_at)},
          {"lease_until", j.lease_until ? json(FormatTimestamp(j.lease_until)) : json(nullptr)},
          {"owner", NullIfEmpty(j.owner)},
          {"payload", payload},
          {"last_error", NullIfEmpty(j.last_error)},
          {"created_at", FormatTimestamp(j.created_at)},
          {"updated_at", FormatTimestamp(j.updated_at)}};
}

json ToJson(const store::JobAttempt& a) {
  return {{"attempt", a.attempt},
          {"started_at", FormatTimestamp(a.started_at)},
          {"finished_at", FormatTimestamp(a.finished_at)},
          {"outcome", a.outcome},
          {"http_status", a.http_status ? json(a.http_status) : json(nullptr)},
          {"error", NullIfEmpty(a.error)}};
}

json ToJson(const domain::Product& p) {
  json attributes = json::parse(p.attributes, nullptr, false);
  if (attributes.is_discarded()) attributes = json::object();
  return {{"sku", p.sku},
          {"name", p.name},
          {"price", Money(p.price.minor, p.price.currency)},
          {"currency", p.price.currency},
          {"hs_code", p.hs_code},
          {"attributes", attributes},
          {"updated_at", FormatTimestamp(p.updated_at)}};
}

json ToJson(const domain::Location& l) {
  return {{"id", l.id},   {"name", l.name},     {"kind", domain::ToString(l.kind)},
          {"lat", l.lat}, {"lng", l.lng},       {"active", l.active},
          {"updated_at", FormatTimestamp(l.updated_at)}};
}

json ToJson(const domain::StockLevel& s) {
  return {{"location_id", s.location_id}, {"sku", s.sku},           {"on_hand", s.on_hand},
          {"reserved", s.reserved},       {"available", s.available()}, {"version", s.version}};
}

json ToJson(const domain::Reservation& r) {
  return {{"id", r.id},
          {"order_id", r.order_id},
          {"location_id", r.location_id},
          {"sku", r.sku},
          {"quantity", r.quantity},
          {"state", domain::ToString(r.state)},
          {"created_at", FormatTimestamp(r.created_at)},
          {"expires_at", FormatTimestamp(r.expires_at)},
          {"resolved_at", r.resolved_at ? json(FormatTimestamp(r.resolved_at)) : json(nullptr)}};
}

std::string OrderJson(const domain::Order& o) {
  JsonWriter w;
  w.BeginObject()
      .Key("id").String(o.id)
      .Key("external_id").StringOrNull(o.external_id)
      .Key("channel").StringOrNull(o.channel)
      .Key("customer_id").StringOrNull(o.customer_id)
      .Key("status").String(o.status)
      .Key("currency").String(o.currency)
      .Key("lines").BeginArray();
  for (const auto& l : o.lines)
    w.BeginObject()
        .Key("sku").String(l.sku)
        .Key("name").String(l.name)
        .Key("quantity").Int(l.quantity)
        .Key("unit_price").String(Money(l.unit_price_minor, o.currency))
        .Key("total").String(Money(l.total_minor, o.currency))
        .EndObject();
  w.EndArray().Key("total").String(Money(o.total_minor, o.currency));
  const auto& a = o.shipping_address;
  w.Key("shipping_address").BeginObject()
      .Key("name").String(a.name)
      .Key("line1").String(a.line1)
      .Key("line2").StringOrNull(a.line2)
      .Key("city").String(a.city)
      .Key("region").StringOrNull(a.region)
      .Key("postal_code").StringOrNull(a.postal_code)
      .Key("country").String(a.country)
      .Key("phone").StringOrNull(a.phone)
      .Key("lat").Double(o.ship_to.lat)
      .Key("lng").Double(o.ship_to.lng)
      .EndObject();
  w.Key("allocations").BeginArray();
  for (const auto& al : o.allocations) {
    w.BeginObject().Key("location_id").String(al.location_id).Key("distance_km").Double(std::round(al.distance_km * 10) / 10);
    w.Key("lines").BeginArray();
    for (const auto& l : al.lines) w.BeginObject().Key("sku").String(l.sku).Key("quantity").Int(l.quantity).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray()
      .Key("payment").BeginObject()
      .Key("status").String(o.payment_status)
      .Key("id").StringOrNull(o.payment_id)
      .Key("authorized").String(Money(o.authorized_minor, o.currency))
      .Key("captured").String(Money(o.captured_minor, o.currency))
      .Key("refunded").String(Money(o.refunded_minor, o.currency))
      .EndObject()
      .Key("carrier").StringOrNull(o.carrier)
      .Key("tracking").StringOrNull(o.tracking)
      .Key("cancel_reason").StringOrNull(o.cancel_reason)
      .Key("organization_id").StringOrNull(o.organization_id)
      .Key("wms").BeginObject()
      .Key("state").String(o.wms.state)
      .Key("order_id").StringOrNull(o.wms.order_id)
      .Key("status").StringOrNull(o.wms.status)
      .EndObject()
      .Key("reservation_expires_at").String(FormatTimestamp(o.reservation_expires_at))
      .Key("created_at").String(FormatTimestamp(o.created_at))
      .Key("updated_at").String(FormatTimestamp(o.updated_at))
      .Key("version").Int(o.version)
      .EndObject();
  return w.Take();
}

json ToJson(const store::StoredEvent& e) {
  json data = json::parse(e.data, nullptr, false);
  if (data.is_discarded()) data = json::object();
  return {{"id", e.id()},
          {"seq", e.seq},
          {"type", e.type},
          {"order_id", NullIfEmpty(e.order_id)},
          {"time", FormatTimestamp(e.time)},
          {"correlation_id", e.correlation_id},
          {"causation_id", e.causation_id},
          {"data", data}};
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace ordo::http

#include "store/codec.h"

#include <nlohmann/json.hpp>

#include "base/json_writer.h"

namespace ordo::store {

using nlohmann::json;

std::string EncodeOrderBody(const domain::Order& o) {
  JsonWriter w;
  w.BeginObject().Key("lines").BeginArray();
  for (const auto& l : o.lines)
    w.BeginObject()
        .Key("sku").String(l.sku)
        .Key("name").String(l.name)
        .Key("quantity").Int(l.quantity)
        .Key("unit_price_minor").Int(l.unit_price_minor)
        .Key("total_minor").Int(l.total_minor)
        .EndObject();
  w.EndArray();
  const auto& a = o.shipping_address;
  w.Key("shipping_address").BeginObject()
      .Key("name").String(a.name)
      .Key("line1").String(a.line1)
      .Key("line2").String(a.line2)
      .Key("city").String(a.city)
      .Key("region").String(a.region)
      .Key("postal_code").String(a.postal_code)
      .Key("country").String(a.country);
  if (a.lat) w.Key("lat").Double(*a.lat);
  if (a.lng) w.Key("lng").Double(*a.lng);
  w.EndObject();
  w.Key("ship_to").BeginObject().Key("lat").Double(o.ship_to.lat).Key("lng").Double(o.ship_to.lng).EndObject();
  w.Key("allocations").BeginArray();
  for (const auto& al : o.allocations) {
    w.BeginObject().Key("location_id").String(al.location_id).Key("distance_km").Double(al.distance_km);
    w.Key("lines").BeginArray();
    for (const auto& l : al.lines) w.BeginObject().Key("sku").String(l.sku).Key("quantity").Int(l.quantity).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray();
  // Lifecycle (absent in bodies written before it existed: the defaults).
  w.Key("payment").BeginObject()
      .Key("status").String(o.payment_status)
      .Key("id").String(o.payment_id)
      .Key("authorized_minor").Int(o.authorized_minor)
      .Key("captured_minor").Int(o.captured_minor)
      .Key("refunded_minor").Int(o.refunded_minor)
      .EndObject();
  w.Key("carrier").String(o.carrier).Key("tracking").String(o.tracking).Key("cancel_reason").String(o.cancel_reason);
  w.EndObject();
  return w.Take();
}

Status DecodeOrderBody(const std::string& text, domain::Order& o) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error::Internal("stored order body is not JSON");
  try {
    o.lines.clear();
    for (const auto& l : body.at("lines"))
      o.lines.push_back({l.at("sku"), l.at("name"), l.at("quantity"), l.at("unit_price_minor"), l.at("total_minor")});
    const auto& a = body.at("shipping_address");
    auto& sa = o.shipping_address;
    sa.name = a.at("name");
    sa.line1 = a.at("line1");
    sa.line2 = a.value("line2", "");
    sa.city = a.at("city");
    sa.region = a.value("region", "");
    sa.postal_code = a.value("postal_code", "");
    sa.country = a.at("country");
    if (a.contains("lat")) sa.lat = a["lat"].get<double>();
    if (a.contains("lng")) sa.lng = a["lng"].get<double>();
    o.ship_to = {body.at("ship_to").at("lat"), body.at("ship_to").at("lng")};
    o.allocations.clear();
    for (const auto& al : body.at("allocations")) {
      domain::Allocation x{al.at("location_id"), al.at("distance_km"), {}};
      for (const auto& l : al.at("lines")) x.lines.push_back({l.at("sku"), l.at("quantity")});
      o.allocations.push_back(std::move(x));
    }
    if (auto p = body.find("payment"); p != body.end()) {
      o.payment_status = p->value("status", domain::payment_status::kNone);
      o.payment_id = p->value("id", "");
      o.authorized_minor = p->value("authorized_minor", std::int64_t{0});
      o.captured_minor = p->value("captured_minor", std::int64_t{0});
      o.refunded_minor = p->value("refunded_minor", std::int64_t{0});
    }
    o.carrier = body.value("carrier", "");
    o.tracking = body.value("tracking", "");
    o.cancel_reason = body.value("cancel_reason", "");
  } catch (const json::exception&) {
    return Error::Internal("stored order body has an unexpected shape");
  }
  return Ok();
}

std::string EncodeEventData(const domain::Event& event) { return EncodeValues(event.data); }

std::string EncodeValues(const std::vector<std::pair<std::string, domain::EventValue>>& values) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [key, value] : values) {
    w.Key(key);
    if (auto* i = std::get_if<std::int64_t>(&value)) w.Int(*i);
    else if (auto* b = std::get_if<bool>(&value)) w.Bool(*b);
    else w.String(std::get<std::string>(value));
  }
  w.EndObject();
  return w.Take();
}

}  // namespace ordo::store

#include "store/codec.h"

#include <nlohmann/json.hpp>

namespace ordo::store {

using nlohmann::json;

std::string EncodeOrderBody(const domain::Order& o) {
  json lines = json::array();
  for (const auto& l : o.lines)
    lines.push_back({{"sku", l.sku}, {"name", l.name}, {"quantity", l.quantity},
                     {"unit_price_minor", l.unit_price_minor}, {"total_minor", l.total_minor}});
  const auto& a = o.shipping_address;
  json address = {{"name", a.name},   {"line1", a.line1},       {"line2", a.line2},
                  {"city", a.city},   {"region", a.region},     {"postal_code", a.postal_code},
                  {"country", a.country}};
  if (a.lat) address["lat"] = *a.lat;
  if (a.lng) address["lng"] = *a.lng;
  json allocations = json::array();
  for (const auto& al : o.allocations) {
    json al_lines = json::array();
    for (const auto& l : al.lines) al_lines.push_back({{"sku", l.sku}, {"quantity", l.quantity}});
    allocations.push_back({{"location_id", al.location_id}, {"distance_km", al.distance_km}, {"lines", al_lines}});
  }
  json body = {{"lines", lines},
               {"shipping_address", address},
               {"ship_to", {{"lat", o.ship_to.lat}, {"lng", o.ship_to.lng}}},
               {"allocations", allocations}};
  return body.dump();
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
  } catch (const json::exception&) {
    return Error::Internal("stored order body has an unexpected shape");
  }
  return Ok();
}

std::string EncodeEventData(const domain::Event& event) {
  json data = json::object();
  for (const auto& [key, value] : event.data)
    std::visit([&](const auto& v) { data[key] = v; }, value);
  return data.dump();
}

}  // namespace ordo::store

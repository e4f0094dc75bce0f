#include "domain/catalog/catalog.h"

#include <cmath>

#include "base/text.h"

namespace ordo::domain {

const char* ToString(LocationKind kind) {
  return kind == LocationKind::kStore ? "store" : "warehouse";
}

bool ParseLocationKind(std::string_view text, LocationKind* out) {
  if (text == "warehouse") *out = LocationKind::kWarehouse;
  else if (text == "store") *out = LocationKind::kStore;
  else return false;
  return true;
}

bool IsSku(std::string_view sku) { return IsIdentifier(sku, 64); }
bool IsLocationId(std::string_view id) { return IsIdentifier(id, 64); }

Status ValidateProduct(const Product& p) {
  if (!IsSku(p.sku)) return Error::Invalid("/sku", "sku must be 1-64 characters of [A-Za-z0-9._:-]");
  if (p.name.empty() || !IsCleanText(p.name, 200))
    return Error::Invalid("/name", "name must be 1-200 characters of printable text");
  if (!IsCurrencyCode(p.price.currency))
    return Error::Invalid("/currency", "currency must be an ISO 4217 code such as USD");
  if (p.price.minor < 0) return Error::Invalid("/price", "price must not be negative");
  if (!p.hs_code.empty() && !IsIdentifier(p.hs_code, 16))
    return Error::Invalid("/hs_code", "hs_code must be up to 16 characters of [0-9.]");
  return Ok();
}

Status ValidateLocation(const Location& l) {
  if (!IsLocationId(l.id)) return Error::Invalid("/id", "location id must be 1-64 characters of [A-Za-z0-9._:-]");
  if (l.name.empty() || !IsCleanText(l.name, 200))
    return Error::Invalid("/name", "name must be 1-200 characters of printable text");
  if (!std::isfinite(l.lat) || l.lat < -90 || l.lat > 90)
    return Error::Invalid("/lat", "lat must be between -90 and 90");
  if (!std::isfinite(l.lng) || l.lng < -180 || l.lng > 180)
    return Error::Invalid("/lng", "lng must be between -180 and 180");
  return Ok();
}

}  // namespace ordo::domain

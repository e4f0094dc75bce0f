// Products and locations: the reference data orders are placed against.
#pragma once

#include <string>

#include "base/money.h"
#include "base/result.h"

namespace ordo::domain {

struct Product {
  std::string sku;
  std::string name;
  Money price;              // from the catalogue only, never from an order body
  std::string hs_code;      // customs tariff code; may be empty
  std::string attributes;   // free attributes, an opaque JSON object kept as text
  std::int64_t updated_at = 0;
};

enum class LocationKind { kWarehouse, kStore };

struct Location {
  std::string id;
  std::string name;
  LocationKind kind = LocationKind::kWarehouse;
  double lat = 0;
  double lng = 0;
  bool active = true;
  std::int64_t updated_at = 0;
};

const char* ToString(LocationKind kind);
bool ParseLocationKind(std::string_view text, LocationKind* out);

// Field rules; the pointers name the request body's fields.
Status ValidateProduct(const Product& product);
Status ValidateLocation(const Location& location);
bool IsSku(std::string_view sku);
bool IsLocationId(std::string_view id);

}  // namespace ordo::domain

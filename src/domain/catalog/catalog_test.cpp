#include "domain/catalog/catalog.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ordo::domain {
namespace {

TEST(CatalogTest, ValidatesProducts) {
  Product p{"SKU-1", "Mug", {1250, "USD"}, "6912.00", "{}", 0};
  EXPECT_TRUE(ValidateProduct(p).ok());
  Product bad = p;
  bad.sku = "a b";
  EXPECT_EQ(ValidateProduct(bad).error().pointer, "/sku");
  bad = p;
  bad.name = "";
  EXPECT_EQ(ValidateProduct(bad).error().pointer, "/name");
  bad = p;
  bad.price.currency = "usd";
  EXPECT_EQ(ValidateProduct(bad).error().pointer, "/currency");
  bad = p;
  bad.price.minor = -1;
  EXPECT_EQ(ValidateProduct(bad).error().pointer, "/price");
}

TEST(CatalogTest, ValidatesLocations) {
  Location l{"berlin-1", "Berlin DC", LocationKind::kWarehouse, 52.5, 13.4, true, 0};
  EXPECT_TRUE(ValidateLocation(l).ok());
  l.lat = 91;
  EXPECT_EQ(ValidateLocation(l).error().pointer, "/lat");
  l.lat = NAN;
  EXPECT_EQ(ValidateLocation(l).error().pointer, "/lat");
  l.lat = 0;
  l.lng = -181;
  EXPECT_EQ(ValidateLocation(l).error().pointer, "/lng");
  LocationKind kind;
  EXPECT_TRUE(ParseLocationKind("store", &kind));
  EXPECT_EQ(kind, LocationKind::kStore);
  EXPECT_FALSE(ParseLocationKind("depot", &kind));
}

}  // namespace
}  // namespace ordo::domain

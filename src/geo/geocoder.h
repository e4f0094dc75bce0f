#pragma once
#include <optional>
#include <string_view>
// Offline geocoding: (country ISO-2, postal code or city) -> lat/lng, from a table generated at
// build time by tools/geo/generate.mjs (GeoNames cities >= 1000 people, country centroids, US ZIP
// codes and Canadian FSAs; see tools/geo/README.md for the datasets and their licences) and
// embedded into the library. No I/O, no network.
namespace ordo::geo {
struct LatLng { double lat = 0; double lng = 0; };
enum class Precision { kPostalCode, kCity, kCountry };
struct Hit { LatLng point; Precision precision; };
// Pure, thread-safe lookups on an immutable table compiled into the binary.
// country: ISO 3166-1 alpha-2, case-insensitive. postal_code and city may be empty.
// ("UK" is accepted for GB. Postal codes exist for US ZIP codes and Canadian FSAs only.)
// Order of attempts: postal code (if the dataset has postal codes for that country), then city
// (case-insensitive, accent-insensitive where practical; when a name repeats in a country, the most
// populous wins), then the country centroid. nullopt when even the country is unknown.
std::optional<Hit> Resolve(std::string_view country, std::string_view postal_code, std::string_view city);
// Number of entries, for tests and logs.
std::size_t CityCount();
std::size_t CountryCount();
}

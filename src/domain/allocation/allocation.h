// Nearest-location allocation (seed 001's policy).
//
// 1. The nearest active location that can fill every line, by great-circle
//    distance from the shipping address.
// 2. Otherwise, when splitting is allowed, the fewest locations that together
//    fill every line; among sets of that size, the smallest total distance.
//    Each line then draws from the set's nearest location first.
// 3. Otherwise, a shortfall per SKU (kFailedPrecondition, "insufficient-stock").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace ordo::domain {

struct GeoPoint {
  double lat = 0;
  double lng = 0;
};

double GreatCircleKm(GeoPoint a, GeoPoint b);

// Allocate's ranking of locations: the nearer first, the smaller id on a tie.
inline bool RanksBefore(double a_km, const std::string& a_id, double b_km, const std::string& b_id) {
  return a_km != b_km ? a_km < b_km : a_id < b_id;
}

struct Demand {
  std::string sku;
  std::int64_t quantity = 0;
};

// An active location with what it has available of the demanded SKUs.
struct Candidate {
  std::string location_id;
  GeoPoint point;
  std::map<std::string, std::int64_t> available;  // sku → available units
};

struct AllocatedLine {
  std::string sku;
  std::int64_t quantity = 0;
};

struct Allocation {
  std::string location_id;
  double distance_km = 0;
  std::vector<AllocatedLine> lines;
};

struct AllocationPolicy {
  bool allow_split = true;
  int exact_search_max_locations = 16;  // above this, greedy cover
};

// Demands must have distinct SKUs and positive quantities (validated before).
Result<std::vector<Allocation>> Allocate(const std::vector<Demand>& demands,
                                         const std::vector<Candidate>& candidates, GeoPoint ship_to,
                                         const AllocationPolicy& policy);

}  // namespace ordo::domain

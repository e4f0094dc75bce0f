#include "domain/allocation/allocation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ordo::domain {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;

struct Ranked {
  const Candidate* candidate;
  double distance_km;
};

std::int64_t AvailableAt(const Candidate& c, const std::string& sku) {
  auto it = c.available.find(sku);
  return it == c.available.end() ? 0 : std::max<std::int64_t>(0, it->second);
}

bool FillsAll(const std::vector<Demand>& demands, const std::vector<const Ranked*>& set) {
  for (const Demand& d : demands) {
    std::int64_t sum = 0;
    for (const Ranked* r : set) sum += AvailableAt(*r->candidate, d.sku);
    if (sum < d.quantity) return false;
  }
  return true;
}

// Draws each line from the set's nearest locations first.
std::vector<Allocation> Assign(const std::vector<Demand>& demands, std::vector<const Ranked*> set) {
  std::sort(set.begin(), set.end(), [](const Ranked* a, const Ranked* b) {
    return a->distance_km < b->distance_km;
  });
  std::vector<Allocation> out;
  for (const Ranked* r : set) out.push_back({r->candidate->location_id, r->distance_km, {}});
  for (const Demand& d : demands) {
    std::int64_t left = d.quantity;
    for (std::size_t i = 0; i < set.size() && left > 0; ++i) {
      std::int64_t take = std::min(left, AvailableAt(*set[i]->candidate, d.sku));
      if (take > 0) {
        out[i].lines.push_back({d.sku, take});
        left -= take;
      }
    }
  }
  std::erase_if(out, [](const Allocation& a) { return a.lines.empty(); });
  return out;
}

// Smallest set (then smallest total distance) of `ranked` that fills every line.
std::vector<const Ranked*> ExactCover(const std::vector<Demand>& demands, const std::vector<Ranked>& ranked) {
  const std::size_t n = ranked.size();
  for (std::size_t k = 2; k <= n; ++k) {
    std::vector<const Ranked*> best;
    double best_distance = INFINITY;
    std::vector<std::size_t> idx(k);
    std::iota(idx.begin(), idx.end(), 0);
    while (true) {
      std::vector<const Ranked*> set;
      double total = 0;
      for (std::size_t i : idx) {
        set.push_back(&ranked[i]);
        total += ranked[i].distance_km;
      }
      if (total < best_distance && FillsAll(demands, set)) {
        best = set;
        best_distance = total;
      }
      // Next combination in lexicographic order.
      std::size_t i = k;
      while (i > 0 && idx[i - 1] == n - k + i - 1) --i;
      if (i == 0) break;
      ++idx[i - 1];
      for (std::size_t j = i; j < k; ++j) idx[j] = idx[j - 1] + 1;
    }
    if (!best.empty()) return best;
  }
  return {};
}

// Greedy: repeatedly add the location covering the most missing units (nearest on ties).
std::vector<const Ranked*> GreedyCover(const std::vector<Demand>& demands, const std::vector<Ranked>& ranked) {
  std::map<std::string, std::int64_t> missing;
  for (const Demand& d : demands) missing[d.sku] = d.quantity;
  std::vector<const Ranked*> set;
  std::vector<bool> used(ranked.size(), false);
  while (true) {
    std::int64_t left = 0;
    for (auto& [sku, q] : missing) left += q;
    if (left == 0) return set;
    std::size_t best = ranked.size();
    std::int64_t best_gain = 0;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      if (used[i]) continue;
      std::int64_t gain = 0;
      for (auto& [sku, q] : missing) gain += std::min(q, AvailableAt(*ranked[i].candidate, sku));
      if (gain > best_gain) {
        best_gain = gain;
        best = i;
      }
    }
    if (best == ranked.size()) return {};
    used[best] = true;
    set.push_back(&ranked[best]);
    for (auto& [sku, q] : missing) q -= std::min(q, AvailableAt(*ranked[best].candidate, sku));
  }
}

}  // namespace

double GreatCircleKm(GeoPoint a, GeoPoint b) {
  constexpr double kRad = M_PI / 180.0;
  double dlat = (b.lat - a.lat) * kRad;
  double dlng = (b.lng - a.lng) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::sin(dlng / 2) * std::sin(dlng / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

Result<std::vector<Allocation>> Allocate(const std::vector<Demand>& demands,
                                         const std::vector<Candidate>& candidates, GeoPoint ship_to,
                                         const AllocationPolicy& policy) {
  std::vector<Ranked> ranked;
  ranked.reserve(candidates.size());
  for (const Candidate& c : candidates) ranked.push_back({&c, GreatCircleKm(ship_to, c.point)});
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return RanksBefore(a.distance_km, a.candidate->location_id, b.distance_km, b.candidate->location_id);
  });

  for (const Ranked& r : ranked)
    if (FillsAll(demands, {&r})) return Assign(demands, {&r});

  if (policy.allow_split && ranked.size() > 1) {
    auto set = static_cast<int>(ranked.size()) <= policy.exact_search_max_locations
                   ? ExactCover(demands, ranked)
                   : GreedyCover(demands, ranked);
    if (!set.empty()) return Assign(demands, std::move(set));
  }

  Error error = Error::Precondition("insufficient-stock", "not enough stock to fill the order");
  for (const Demand& d : demands) {
    std::int64_t have = 0;
    for (const Ranked& r : ranked) {
      std::int64_t a = AvailableAt(*r.candidate, d.sku);
      have = policy.allow_split ? have + a : std::max(have, a);
    }
    if (have < d.quantity) error.shortfalls.push_back({d.sku, d.quantity, have});
  }
  if (error.shortfalls.empty())  // each SKU is there, but not all at one location
    error.message = "no single location can fill every line and splitting is disabled";
  return error;
}

}  // namespace ordo::domain

#include "load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ordo::load {

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  if (rank < 1) rank = 1;
  return samples[rank - 1];
}

namespace {
constexpr std::uint64_t kSub = 1ULL << LatencyHistogram::kSubBits;  // 128
}

// Values below 2*kSub are their own bucket. Above, a value with its top bit at
// position e keeps its top kSubBits+1 bits (the mantissa, in [kSub, 2*kSub)) and
// shift = e - kSubBits; index = shift*kSub + mantissa, which continues densely.
std::size_t LatencyHistogram::BucketOf(std::uint64_t v) {
  if (v > kMaxValue) v = kMaxValue;
  if (v < 2 * kSub) return static_cast<std::size_t>(v);
  const int e = 63 - std::countl_zero(v);
  const int shift = e - kSubBits;
  const std::uint64_t mantissa = v >> shift;
  return static_cast<std::size_t>(static_cast<std::uint64_t>(shift) * kSub + mantissa);
}

std::uint64_t LatencyHistogram::BucketLow(std::size_t index) {
  if (index < 2 * kSub) return index;
  const std::uint64_t shift = index / kSub - 1;
  const std::uint64_t mantissa = index - shift * kSub;
  return mantissa << shift;
}

std::uint64_t LatencyHistogram::BucketHigh(std::size_t index) {
  if (index < 2 * kSub) return index;
  const std::uint64_t shift = index / kSub - 1;
  const std::uint64_t mantissa = index - shift * kSub;
  return ((mantissa + 1) << shift) - 1;
}

LatencyHistogram::LatencyHistogram() : counts_(BucketOf(kMaxValue) + 1, 0) {}

void LatencyHistogram::Record(std::uint64_t ns) {
  ++counts_[BucketOf(ns)];
  ++count_;
  sum_ += ns;
  if (ns < min_) min_ = ns;
  if (ns > max_) max_ = ns;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank >= count_) return static_cast<double>(max_);  // the largest sample is known exactly
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const double mid = (static_cast<double>(BucketLow(i)) + static_cast<double>(BucketHigh(i))) / 2.0;
      return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

}  // namespace ordo::load

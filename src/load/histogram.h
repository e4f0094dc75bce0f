// Latency recording for `ordo load`: an HDR-like log-bucketed histogram
// (128 sub-buckets per power of two, so a bucket is at most 1/128 = 0.78 % wide
// and the reported midpoint is within 0.4 % of any sample in it), plus an exact
// nearest-rank percentile over a sample vector for tests and small runs.
#pragma once

#include <cstdint>
#include <vector>

namespace ordo::load {

// Nearest-rank percentile (p in [0, 100]) of the samples; 0 for an empty set.
// The samples are copied and sorted; p=0 gives the minimum, p=100 the maximum.
double Percentile(std::vector<double> samples, double p);

// Counts values in nanoseconds. Not thread-safe: one per io thread, merged at the end.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;                      // 128 sub-buckets per octave
  static constexpr std::uint64_t kMaxValue = (1ULL << 44) - 1;  // ~4.9 h in ns; larger clamps

  LatencyHistogram();

  void Record(std::uint64_t ns);
  void Merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // Nearest-rank percentile in ns (bucket midpoint, clamped to [min, max]); 0 when empty.
  double Percentile(double p) const;

  static std::size_t BucketOf(std::uint64_t v);
  static std::uint64_t BucketLow(std::size_t index);   // smallest value in the bucket
  static std::uint64_t BucketHigh(std::size_t index);  // largest value in the bucket

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = ~0ULL;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;
};

}  // namespace ordo::load

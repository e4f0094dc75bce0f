#include "base/money.h"

#include <array>

namespace ordo {
namespace {
constexpr std::int64_t kMaxMinor = 9'000'000'000'000'000;  // leaves headroom for sums
}

int CurrencyExponent(std::string_view c) {
  static constexpr std::array<std::string_view, 16> kZero = {
      "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
      "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"};
  static constexpr std::array<std::string_view, 7> kThree = {"BHD", "IQD", "JOD", "KWD",
                                                             "LYD", "OMR", "TND"};
  for (auto z : kZero)
    if (z == c) return 0;
  for (auto t : kThree)
    if (t == c) return 3;
  return 2;
}

bool IsCurrencyCode(std::string_view s) {
  if (s.size() != 3) return false;
  for (char ch : s)
    if (ch < 'A' || ch > 'Z') return false;
  return true;
}

std::optional<std::int64_t> ParseDecimal(std::string_view text, int exponent) {
  if (text.empty() || text.size() > 24) return std::nullopt;
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty()) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  if (static_cast<int>(frac.size()) > exponent) return std::nullopt;
  std::int64_t value = 0;
  auto push = [&](char ch) -> bool {
    if (ch < '0' || ch > '9') return false;
    if (value > (kMaxMinor - (ch - '0')) / 10) return false;
    value = value * 10 + (ch - '0');
    return true;
  };
  for (char ch : whole)
    if (!push(ch)) return std::nullopt;
  int digits = 0;
  for (char ch : frac) {
    if (!push(ch)) return std::nullopt;
    ++digits;
  }
  for (; digits < exponent; ++digits)
    if (!push('0')) return std::nullopt;
  return value;
}

std::string FormatDecimal(std::int64_t minor, int exponent) {
  bool negative = minor < 0;
  // kMaxMinor bounds every stored amount, so negation cannot overflow here.
  std::uint64_t v = negative ? static_cast<std::uint64_t>(-minor) : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(v);
  std::string out = negative ? "-" : "";
  if (exponent > 0) {
    auto e = static_cast<std::size_t>(exponent);
    if (digits.size() <= e) digits = std::string(e + 1 - digits.size(), '0') + digits;
    out += std::string_view(digits).substr(0, digits.size() - e);
    out += '.';
    out += std::string_view(digits).substr(digits.size() - e);
  } else {
    out += digits;
  }
  return out;
}

std::optional<std::int64_t> CheckedAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r) || r > kMaxMinor || r < -kMaxMinor) return std::nullopt;
  return r;
}

std::optional<std::int64_t> CheckedMul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r) || r > kMaxMinor || r < -kMaxMinor) return std::nullopt;
  return r;
}

}  // namespace ordo

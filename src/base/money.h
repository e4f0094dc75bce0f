// Money in integer minor units with its ISO 4217 currency. Never floating point.
// JSON carries amounts as decimal strings ("12.50"); Parse/Format convert at the edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ordo {

struct Money {
  std::int64_t minor = 0;
  std::string currency;  // three upper-case letters

  bool operator==(const Money&) const = default;
};

// Digits after the decimal point for a currency (JPY 0, KWD 3, most 2).
int CurrencyExponent(std::string_view currency);
bool IsCurrencyCode(std::string_view s);

// "12.50" → 1250 for a 2-digit currency. Rejects signs, exponents, spaces,
// more fraction digits than the currency has, and values past ±9e15 minor units.
std::optional<std::int64_t> ParseDecimal(std::string_view text, int exponent);
std::string FormatDecimal(std::int64_t minor, int exponent);

// Checked arithmetic: nullopt on overflow.
std::optional<std::int64_t> CheckedAdd(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> CheckedMul(std::int64_t a, std::int64_t b);

}  // namespace ordo

#include "base/money.h"

#include <gtest/gtest.h>

namespace ordo {

TEST(MoneyTest, ParsesDecimalStringsIntoMinorUnits) {
  EXPECT_EQ(ParseDecimal("12.50", 2), 1250);
  EXPECT_EQ(ParseDecimal("12.5", 2), 1250);
  EXPECT_EQ(ParseDecimal("12", 2), 1200);
  EXPECT_EQ(ParseDecimal("0.01", 2), 1);
  EXPECT_EQ(ParseDecimal("1500", 0), 1500);
  EXPECT_EQ(ParseDecimal("1.234", 3), 1234);
}

TEST(MoneyTest, RejectsMalformedAmounts) {
  for (const char* bad : {"", "-1", "+1", "1.", ".5", "1.234", "1e3", " 1", "1,00", "abc",
                          "99999999999999999999", "NaN"})
    EXPECT_FALSE(ParseDecimal(bad, 2).has_value()) << bad;
  EXPECT_FALSE(ParseDecimal("1.5", 0).has_value());
}

TEST(MoneyTest, FormatsWithTheCurrencyExponent) {
  EXPECT_EQ(FormatDecimal(1250, 2), "12.50");
  EXPECT_EQ(FormatDecimal(5, 2), "0.05");
  EXPECT_EQ(FormatDecimal(0, 2), "0.00");
  EXPECT_EQ(FormatDecimal(-5, 2), "-0.05");
  EXPECT_EQ(FormatDecimal(1500, 0), "1500");
  EXPECT_EQ(FormatDecimal(1234, 3), "1.234");
}

TEST(MoneyTest, KnowsCurrencyExponents) {
  EXPECT_EQ(CurrencyExponent("USD"), 2);
  EXPECT_EQ(CurrencyExponent("JPY"), 0);
  EXPECT_EQ(CurrencyExponent("KWD"), 3);
  EXPECT_TRUE(IsCurrencyCode("EUR"));
  EXPECT_FALSE(IsCurrencyCode("eur"));
  EXPECT_FALSE(IsCurrencyCode("EURO"));
}

TEST(MoneyTest, CheckedArithmeticRefusesOverflow) {
  EXPECT_EQ(CheckedMul(1250, 3), 3750);
  EXPECT_EQ(CheckedAdd(1, 2), 3);
  EXPECT_FALSE(CheckedMul(4'000'000'000'000'000, 3).has_value());
  EXPECT_FALSE(CheckedAdd(8'999'999'999'999'999, 2).has_value());
}

}  // namespace ordo

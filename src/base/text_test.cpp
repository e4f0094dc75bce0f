#include "base/text.h"

#include <gtest/gtest.h>

namespace ordo {

TEST(TextTest, AcceptsOrdinaryUnicode) {
  EXPECT_TRUE(IsCleanText("Zürich Hauptbahnhof", 100));
  EXPECT_TRUE(IsCleanText("東京", 100));
  EXPECT_TRUE(IsCleanText("", 100));
}

TEST(TextTest, RejectsControlZeroWidthAndBrokenUtf8) {
  EXPECT_FALSE(IsCleanText(std::string("a\0b", 3), 100));
  EXPECT_FALSE(IsCleanText("a\nb", 100));
  EXPECT_FALSE(IsCleanText("a\x7f", 100));
  EXPECT_FALSE(IsCleanText("a\u200bb", 100));  // zero-width space
  EXPECT_FALSE(IsCleanText("a\u202eb", 100));  // right-to-left override
  EXPECT_FALSE(IsCleanText("\xc3", 100));      // truncated
  EXPECT_FALSE(IsCleanText("\xc0\xaf", 100));  // overlong
  EXPECT_FALSE(IsCleanText("abcdef", 5));
}

TEST(TextTest, IdentifiersAreNarrow) {
  EXPECT_TRUE(IsIdentifier("SKU-001_a.b:c", 64));
  EXPECT_FALSE(IsIdentifier("", 64));
  EXPECT_FALSE(IsIdentifier("a b", 64));
  EXPECT_FALSE(IsIdentifier("x'; DROP TABLE orders;--", 64));
  EXPECT_FALSE(IsIdentifier(std::string(65, 'a'), 64));
}

TEST(SplitList, KeepsTheNonEmptyItems) {
  EXPECT_EQ(SplitList("a,b,,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitList("https://x.example"), (std::vector<std::string>{"https://x.example"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(",,").empty());
}

}  // namespace ordo

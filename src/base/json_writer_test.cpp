#include "base/json_writer.h"

#include <gtest/gtest.h>

namespace ordo {

TEST(JsonWriterTest, WritesNestedDocumentsWithCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Bool(true).Null().EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").Double(1.5).Key("e").Raw("{\"k\":2}").EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null],"c":{},"d":1.5,"e":{"k":2}})");
}

TEST(JsonWriterTest, EscapesStrings) {
  JsonWriter w;
  w.BeginArray().String("q\"b\\n\n\x01").StringOrNull("").EndArray();
  EXPECT_EQ(w.str(), R"(["q\"b\\n\n\u0001",null])");
}

TEST(JsonWriterTest, EscapesAtEveryPositionAndKeepsUtf8) {
  JsonWriter w;
  w.BeginArray().String("\"").String("a\tb\rc").String("\x1f\x7f\u00e4\u20ac").String("end\\").String("").EndArray();
  EXPECT_EQ(w.str(), "[\"\\\"\",\"a\\tb\\rc\",\"\\u001f\x7f\u00e4\u20ac\",\"end\\\\\",\"\"]");
}

TEST(JsonWriterTest, DoublesRoundTrip) {
  JsonWriter w;
  w.BeginArray().Double(52.52).Double(-0.1).Double(13.405).EndArray();
  EXPECT_EQ(w.str(), "[52.52,-0.1,13.405]");
}

}  // namespace ordo

#include "relay/cloudevent.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ordo::relay {
namespace {

using nlohmann::json;

store::StoredEvent Event() {
  // 2026-11-23T07:17:51.123Z
  return {42, "order.created", "ord_01JD", R"({"total":"12.50","lines":[{"sku":"SKU-0001","quantity":2}]})",
          1'795'418'271'123, "4bf92f3577b34da6a3ce929d0e0e4736", "req:abc"};
}

TEST(CloudEvent, HasTheRequiredAttributesAndTheData) {
  json ce = json::parse(EncodeCloudEvent(Event()));
  EXPECT_EQ(ce["specversion"], "1.0");
  EXPECT_EQ(ce["id"], "evt_42");
  EXPECT_EQ(ce["source"], "/ordo");
  EXPECT_EQ(ce["type"], "ordo.order.created");
  EXPECT_EQ(ce["subject"], "ord_01JD");
  EXPECT_EQ(ce["time"], "2026-11-23T07:17:51.123Z");
  EXPECT_EQ(ce["datacontenttype"], "application/json");
  EXPECT_EQ(ce["data"], json::parse(Event().data));  // embedded as JSON, not as a string
}

TEST(CloudEvent, ExtensionsCarrySequenceAndCorrelation) {
  json ce = json::parse(EncodeCloudEvent(Event()));
  EXPECT_EQ(ce["sequence"], "0000000000000000042");
  EXPECT_EQ(ce["correlationid"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ce["causationid"], "req:abc");
  // Extension names are lower-case letters and digits only (CloudEvents 1.0, "Attribute Naming Convention").
  for (auto& [name, value] : ce.items()) {
    (void)value;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << name;
  }
}

TEST(CloudEvent, SequenceStringsSortLikeNumbers) {
  auto seq = [](std::int64_t n) {
    store::StoredEvent e = Event();
    e.seq = n;
    return json::parse(EncodeCloudEvent(e))["sequence"].get<std::string>();
  };
  EXPECT_LT(seq(9), seq(10));
  EXPECT_LT(seq(99'999), seq(100'000));
  EXPECT_EQ(seq(9'223'372'036'854'775'807), "9223372036854775807");
}

TEST(CloudEvent, OptionalAttributesAreLeftOutWhenEmpty) {
  store::StoredEvent e{7, "stock.adjusted", "", R"({"sku":"SKU-0001"})", 0, "", ""};
  json ce = json::parse(EncodeCloudEvent(e, "/ordo/eu"));
  EXPECT_FALSE(ce.contains("subject"));
  EXPECT_FALSE(ce.contains("correlationid"));
  EXPECT_FALSE(ce.contains("causationid"));
  EXPECT_EQ(ce["source"], "/ordo/eu");
  EXPECT_EQ(ce["time"], "1970-01-01T00:00:00.000Z");
}

TEST(CloudEvent, EmptyDataIsAnEmptyObjectAndStringsAreEscaped) {
  store::StoredEvent e{1, "order.created", "ord_\"1\"", "", 0, "line\nbreak", ""};
  std::string text = EncodeCloudEvent(e);
  json ce = json::parse(text);  // throws on invalid JSON
  EXPECT_EQ(ce["data"], json::object());
  EXPECT_EQ(ce["subject"], "ord_\"1\"");
  EXPECT_EQ(ce["correlationid"], "line\nbreak");
}

TEST(CloudEvent, SubjectIsTheTypeUnderOrdoEvents) {
  EXPECT_EQ(SubjectFor("order.created"), "ordo.events.order.created");
  EXPECT_EQ(SubjectFor("reservation.committed"), "ordo.events.reservation.committed");
  EXPECT_EQ(SubjectFor("job.stuck"), "ordo.events.job.stuck");
}

TEST(CloudEvent, SubjectTokensAreMadeValid) {
  // Wildcards, spaces and empty tokens would make an invalid or matching subject.
  EXPECT_EQ(SubjectFor("workflow.on hold"), "ordo.events.workflow.on_hold");
  EXPECT_EQ(SubjectFor("a.*.>"), "ordo.events.a._._");
  EXPECT_EQ(SubjectFor("a..b"), "ordo.events.a._.b");
  EXPECT_EQ(SubjectFor(".a."), "ordo.events._.a._");
  EXPECT_EQ(SubjectFor(""), "ordo.events._");
  EXPECT_EQ(SubjectFor("été"), "ordo.events.__t__");  // each byte of the UTF-8 é replaced
}

TEST(CloudEvent, EventIdsParse) {
  EXPECT_EQ(ParseEventId("evt_1"), 1);
  EXPECT_EQ(ParseEventId("evt_9223372036854775807"), 9'223'372'036'854'775'807);
  for (const char* bad : {"", "evt_", "evt_0", "evt_-1", "evt_+1", "evt_1a", "evt_ 1", "EVT_1", "ord_1",
                          "evt_99999999999999999999"})
    EXPECT_EQ(ParseEventId(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace ordo::relay

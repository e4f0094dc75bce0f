// The WMS push against the simulated WMS of `ordo sim`, in-process on a loopback port.
#include "jobs/wms_handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integrations/http_client.h"
#include "sim/sim.h"

namespace ordo::jobs {
namespace {

using nlohmann::json;

domain::Order Sample(const std::string& id) {
  domain::Order o;
  o.id = id;
  o.external_id = "SO-1";
  o.currency = "EUR";
  o.lines = {{"MUG", "Mug", 2, 1250, 2500, 0}};
  o.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", {}, {}, "+4930123"};
  o.allocations = {{"berlin-dc", 1.5, {{"MUG", 2}}}};
  return o;
}

store::Job PushJob(const std::string& order_id, int attempt = 1) {
  store::Job j;
  j.id = "job_1";
  j.kind = "wms.push";
  j.order_id = order_id;
  j.step = "wms.push-fulfilling-3";
  j.attempts = attempt;
  return j;
}

std::string Data(const CallOutcome& o, const std::string& key) {
  for (const auto& [k, v] : o.data)
    if (k == key) return std::get<std::string>(v);
  return "";
}

class WmsPushTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sim_.Start("127.0.0.1", 0).ok()); }
  void TearDown() override { sim_.Stop(); }
  WmsOptions Options() { return {sim_.base_url(), 2000}; }
  json WmsOrder(const std::string& id) {
    auto r = integrations::Send({"GET", sim_.base_url() + "/wms/v1/orders/" + id, {}, "", 2000, {}});
    return json::parse(r.body, nullptr, false);
  }
  sim::Simulator sim_;
};

TEST(WmsOrderBody, IsTheWmsFormatFromTheOneWarehouse) {
  auto body = WmsOrderBody(Sample("ord_1"));
  ASSERT_TRUE(body.ok());
  json j = json::parse(*body);
  EXPECT_EQ(j["order_id"], "ord_1");
  EXPECT_EQ(j["external_id"], "SO-1");
  EXPECT_EQ(j["warehouse"], "berlin-dc");
  EXPECT_EQ(j["ship_to"], (json{{"name", "Ada"}, {"line1", "Street 1"}, {"city", "Berlin"}, {"postal_code", "10117"},
                                {"country", "DE"}, {"phone", "+4930123"}}));
  EXPECT_EQ(j["lines"], (json::array({{{"sku", "MUG"}, {"quantity", 2}}})));
  domain::Order split = Sample("ord_2");
  split.allocations.push_back({"munich-store", 500, {{"MUG", 1}}});
  auto refused = WmsOrderBody(split);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "not-one-warehouse");
}

TEST_F(WmsPushTest, AcknowledgedOnceEvenWhenPushedAgain) {
  CallOutcome first = PushToWms(Sample("ord_1"), PushJob("ord_1"), Options());
  ASSERT_EQ(first.kind, CallOutcome::Kind::kOk) << first.error;
  EXPECT_EQ(first.http_status, 201);
  std::string wms_id = Data(first, "wms_order_id");
  EXPECT_EQ(wms_id.rfind("wms_", 0), 0u) << wms_id;
  EXPECT_EQ(Data(first, "warehouse"), "berlin-dc");
  // The retry of an attempt whose answer was lost: the same key, the same WMS order.
  CallOutcome again = PushToWms(Sample("ord_1"), PushJob("ord_1", 2), Options());
  ASSERT_EQ(again.kind, CallOutcome::Kind::kOk);
  EXPECT_EQ(Data(again, "wms_order_id"), wms_id);
  EXPECT_EQ(WmsOrder("ord_1")["warehouse"], "berlin-dc");
  auto stats = json::parse(integrations::Send({"GET", sim_.base_url() + "/wms/v1/stats", {}, "", 2000, {}}).body);
  EXPECT_EQ(stats["pushes_accepted"], 1);
}

TEST_F(WmsPushTest, AnOutageIsRetriedARefusalIsPermanent) {
  sim::Knobs knobs;
  knobs.wms_failure_pct = 100;
  sim_.SetKnobs(knobs);
  CallOutcome down = PushToWms(Sample("ord_3"), PushJob("ord_3"), Options());
  EXPECT_EQ(down.kind, CallOutcome::Kind::kTransient);
  EXPECT_EQ(down.http_status, 503);
  EXPECT_EQ(Data(down, "warehouse"), "berlin-dc");
  sim_.SetKnobs({});
  domain::Order no_postcode = Sample("ord_4");
  no_postcode.shipping_address.postal_code.clear();
  CallOutcome refused = PushToWms(no_postcode, PushJob("ord_4"), Options());
  EXPECT_EQ(refused.kind, CallOutcome::Kind::kPermanent);
  EXPECT_EQ(refused.http_status, 422);
  EXPECT_NE(refused.error.find("postal_code"), std::string::npos) << refused.error;
  CallOutcome unreachable = PushToWms(Sample("ord_5"), PushJob("ord_5"), {"http://127.0.0.1:9", 500});
  EXPECT_EQ(unreachable.kind, CallOutcome::Kind::kTransient);
  EXPECT_EQ(unreachable.http_status, 0);
}

}  // namespace
}  // namespace ordo::jobs

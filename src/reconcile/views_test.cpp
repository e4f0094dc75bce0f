// The view fetchers against the real simulator (in-process, on loopback).
#include "reconcile/views.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "integrations/http_client.h"
#include "sim/sim.h"

namespace ordo::reconcile {
namespace {

using nlohmann::json;
namespace rc = domain::reconcile;

class ViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::Options options;
    options.knobs.wms_step_ms = 60'000;  // orders stay accepted during the test
    sim_ = std::make_unique<sim::Simulator>(options);
    ASSERT_TRUE(sim_->Start("127.0.0.1", 0));
  }
  void Push(const std::string& id) {
    integrations::HttpRequest req;
    req.method = "POST";
    req.url = sim_->base_url() + "/wms/v1/orders";
    req.body = json{{"order_id", id},
                    {"warehouse", "berlin-dc"},
                    {"ship_to", {{"name", "Ada"}, {"line1", "Street 1"}, {"city", "Berlin"}, {"postal_code", "10115"},
                                 {"country", "DE"}}},
                    {"lines", {{{"sku", "SKU-1"}, {"quantity", 1}}}}}
                   .dump();
    auto res = integrations::Send(req);
    ASSERT_EQ(res.status, 201) << res.body;
  }
  std::unique_ptr<sim::Simulator> sim_;
};

TEST_F(ViewsTest, ReadsEveryWmsOrderAcrossPages) {
  for (int i = 0; i < 205; ++i) Push("ord_" + std::to_string(1000 + i));  // more than one page of 200
  auto view = FetchWmsView({sim_->base_url(), "", 5000});
  ASSERT_TRUE(view) << view.error().message;
  ASSERT_EQ(view->size(), 205u);
  EXPECT_EQ(view->front().order_id, "ord_1000");
  EXPECT_EQ(view->back().order_id, "ord_1204");
  for (const auto& o : *view) {
    EXPECT_EQ(o.status, rc::WmsStatus::kAccepted);
    EXPECT_GT(o.updated_at, 1'700'000'000'000);
  }
}

TEST_F(ViewsTest, AnEmptyErpAndAnUnreachableSystem) {
  auto erp = FetchErpView({sim_->base_url(), "", 5000});
  ASSERT_TRUE(erp) << erp.error().message;
  EXPECT_TRUE(erp->empty());
  auto down = FetchWmsView({"http://127.0.0.1:9", "", 1000});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, Code::kUnavailable);
  auto wrong = FetchWmsView({sim_->base_url() + "/nothing-here", "", 1000});
  EXPECT_FALSE(wrong);
}

}  // namespace
}  // namespace ordo::reconcile

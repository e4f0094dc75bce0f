// The engine against a real SQLite file, driven with a fake clock.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <future>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::engine {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<store::TestDir>("ordo-engine");
    auto s = store::OpenSqlite({dir_->db()});
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
    Options options;
    options.reservation_ttl_ms = 60'000;
    options.expiry_sweep_interval_ms = 3'600'000;  // the test drives expiry itself
    engine_ = std::make_unique<Engine>(*store_, clock_, options);
    engine_->Start();
    Seed();
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    dir_.reset();
  }

  // Renders a reply as "<status> <id or problem type>".
  static Reply Render(const Outcome& o) {
    if (!o.result.ok()) {
      int status = o.result.error().code == Code::kNotFound ? 404
                   : o.result.error().code == Code::kInvalidArgument ? 422
                   : o.result.error().code == Code::kUnavailable ? 503
                                                                  : 409;
      return {status, o.result.error().type};
    }
    std::string body;
    if (auto* order = std::get_if<domain::Order>(&o.result.value())) body = order->id + " " + order->status;
    if (auto* level = std::get_if<domain::StockLevel>(&o.result.value()))
      body = std::to_string(level->on_hand) + "/" + std::to_string(level->reserved);
    return {o.created ? 201 : 200, body};
  }

  Reply Run(CommandBody body, std::string key = "", std::string hash = "h") {
    std::promise<Reply> promise;
    auto future = promise.get_future();
    Meta meta{"corr", "cause", "tester", key, key.empty() ? "" : hash};
    engine_->Submit({std::move(body), meta, Render, [&](Completion c) { promise.set_value(c.Render(Render)); }});
    return future.get();
  }

  PlaceOrder Order(std::vector<domain::RequestedLine> lines, double lat = 52.52, double lng = 13.40) {
    domain::OrderRequest r;
    r.currency = "EUR";
    r.lines = std::move(lines);
    r.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", lat, lng};
    auto point = engine_->PrepareOrder(r);
    EXPECT_TRUE(point.ok());
    return {r, *point};
  }

  void Seed() {
    ASSERT_EQ(Run(PutProduct{{"MUG", "Mug", {1250, "EUR"}, "", "{}", 0}}).status, 201);
    ASSERT_EQ(Run(PutProduct{{"TEE", "Tee", {1999, "EUR"}, "", "{}", 0}}).status, 201);
    ASSERT_EQ(Run(PutLocation{{"berlin", "Berlin", domain::LocationKind::kWarehouse, 52.5, 13.4, true, 0}}).status, 201);
    ASSERT_EQ(Run(PutLocation{{"munich", "Munich", domain::LocationKind::kStore, 48.1, 11.6, true, 0}}).status, 201);
    ASSERT_EQ(Run(SetStock{"berlin", "MUG", 10, std::nullopt}).status, 200);
    ASSERT_EQ(Run(SetStock{"munich", "MUG", 5, std::nullopt}).status, 200);
    ASSERT_EQ(Run(SetStock{"munich", "TEE", 3, std::nullopt}).status, 200);
  }

  std::vector<domain::StockLevel> Stock(const std::string& sku) {
    auto view = engine_->Read();
    return *(*view)->QueryStock(sku, "");
  }

  void ExpectInvariants() {
    auto view = engine_->Read();
    auto violations = (*view)->CheckInvariants();
    ASSERT_TRUE(violations.ok());
    for (const auto& v : *violations) ADD_FAILURE() << v.invariant << ": " << v.detail;
  }

  std::unique_ptr<store::TestDir> dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, PlacesReservesAndRecordsTheTimeline) {
  Reply r = Run(Order({{"MUG", 2}}));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.body.substr(0, r.body.find(' '));
  auto stock = Stock("MUG");
  EXPECT_EQ(stock[0].location_id, "berlin");
  EXPECT_EQ(stock[0].reserved, 2);
  auto view = engine_->Read();
  auto events = (*view)->OrderEvents(id);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "order.created");
  EXPECT_EQ((*events)[0].correlation_id, "corr");
  EXPECT_EQ((*events)[1].type, "reservation.created");
  ExpectInvariants();
}

TEST_F(EngineTest, ConcurrentBuyersNeverOversell) {
  // 15 MUGs in two locations; 40 buyers of one each, from 8 threads.
  std::atomic<int> placed{0}, rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        Reply r = Run(Order({{"MUG", 1}}));
        if (r.status == 201) ++placed;
        else if (r.status == 409 && r.body == "insufficient-stock") ++rejected;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(placed.load(), 15);
  EXPECT_EQ(rejected.load(), 25);
  for (const auto& level : Stock("MUG")) EXPECT_EQ(level.available(), 0);
  ExpectInvariants();
}

TEST_F(EngineTest, ARejectedOrderDoesNotFailItsBatch) {
  std::vector<std::future<Reply>> replies;
  std::vector<std::promise<Reply>> promises(3);
  std::vector<PlaceOrder> orders = {Order({{"TEE", 2}}), Order({{"TEE", 5}}), Order({{"TEE", 1}})};
  for (int i = 0; i < 3; ++i) {
    replies.push_back(promises[i].get_future());
    engine_->Submit({orders[i], {}, Render, [&, i](Completion c) { promises[i].set_value(c.Render(Render)); }});
  }
  EXPECT_EQ(replies[0].get().status, 201);
  EXPECT_EQ(replies[1].get().status, 409);
  EXPECT_EQ(replies[2].get().status, 201);
  EXPECT_EQ(Stock("TEE")[0].reserved, 3);
  ExpectInvariants();
}

TEST_F(EngineTest, IdempotencyReplaysAndRefusesAnotherBody) {
  Reply first = Run(Order({{"MUG", 1}}), "key-1", "hash-a");
  ASSERT_EQ(first.status, 201);
  Reply again = Run(Order({{"MUG", 1}}), "key-1", "hash-a");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_TRUE(again.replayed);
  Reply other = Run(Order({{"MUG", 2}}), "key-1", "hash-b");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.body, "idempotency-key-reused");
  EXPECT_EQ(Stock("MUG")[0].reserved, 1);  // one order only
}

TEST_F(EngineTest, CancelReleasesAndIsIdempotent) {
  Reply placed = Run(Order({{"MUG", 3}}));
  std::string id = placed.body.substr(0, placed.body.find(' '));
  Reply cancelled = Run(CancelOrder{id, "changed mind"});
  EXPECT_EQ(cancelled.status, 200);
  EXPECT_EQ(cancelled.body, id + " cancelled");
  EXPECT_EQ(Stock("MUG")[0].reserved, 0);
  EXPECT_EQ(Run(CancelOrder{id, "again"}).status, 200);
  EXPECT_EQ(Run(CancelOrder{"ord_missing", ""}).status, 404);
  ExpectInvariants();
}

TEST_F(EngineTest, ExpiryReleasesUnpaidStockAfterTheTtl) {
  Reply placed = Run(Order({{"MUG", 4}}));
  std::string id = placed.body.substr(0, placed.body.find(' '));
  clock_.Advance(std::chrono::seconds(59));
  Run(ExpireReservations{});
  EXPECT_EQ(Stock("MUG")[0].reserved, 4);
  clock_.Advance(std::chrono::seconds(1));
  Run(ExpireReservations{});
  EXPECT_EQ(Stock("MUG")[0].reserved, 0);
  auto view = engine_->Read();
  auto order = (*view)->GetOrder(id);
  EXPECT_EQ((*order)->status, "expired");
  auto events = (*view)->OrderEvents(id);
  EXPECT_EQ(events->back().type, "order.expired");
  // A late cancel cannot resolve the reservation a second time.
  EXPECT_EQ(Run(CancelOrder{id, ""}).status, 409);
  ExpectInvariants();
}

TEST_F(EngineTest, StockSetHonoursReservationsAndCompareAndSet) {
  Run(Order({{"MUG", 4}}));
  EXPECT_EQ(Run(SetStock{"berlin", "MUG", 3, std::nullopt}).body, "stock-below-reserved");
  EXPECT_EQ(Run(SetStock{"berlin", "MUG", 20, 9}).body, "stock-version-mismatch");
  Reply ok = Run(SetStock{"berlin", "MUG", 20, 10});
  EXPECT_EQ(ok.body, "20/4");
  EXPECT_EQ(Run(AdjustStock{"berlin", "MUG", -17, "damaged"}).body, "stock-below-reserved");
  EXPECT_EQ(Run(AdjustStock{"berlin", "MUG", -6, "damaged"}).body, "14/4");
  EXPECT_EQ(Run(SetStock{"nowhere", "MUG", 1, std::nullopt}).status, 404);
  EXPECT_EQ(Run(SetStock{"berlin", "NOPE", 1, std::nullopt}).status, 404);
  ExpectInvariants();
}

TEST_F(EngineTest, SplitsAcrossLocationsWhenNoneHasAll) {
  Reply r = Run(Order({{"MUG", 12}}));
  ASSERT_EQ(r.status, 201);
  auto stock = Stock("MUG");
  EXPECT_EQ(stock[0].reserved + stock[1].reserved, 12);
  EXPECT_EQ(stock[0].reserved, 10);  // berlin first: nearest
  ExpectInvariants();
}

TEST_F(EngineTest, LargeBatchesCommitEveryOrderAndSurviveReopening) {
  // Hundreds of orders in flight at once make batches whose WAL writes exceed
  // what the OS is handed in one write (the WAL buffer flushes in pieces).
  ASSERT_EQ(Run(SetStock{"berlin", "MUG", 100'000, std::nullopt}).status, 200);
  constexpr int kOrders = 1500;
  std::vector<std::promise<Reply>> promises(kOrders);
  std::vector<std::future<Reply>> replies;
  for (auto& p : promises) replies.push_back(p.get_future());
  for (int i = 0; i < kOrders; ++i)
    engine_->Submit({Order({{"MUG", 1}}), {"c", "c", "t", "", ""}, Render,
                     [&, i](Completion c) { promises[static_cast<std::size_t>(i)].set_value(c.Render(Render)); }});
  for (auto& r : replies) ASSERT_EQ(r.get().status, 201);
  engine_.reset();  // stop, close and reopen the database
  store_.reset();
  auto reopened = store::OpenSqlite({dir_->db()});
  ASSERT_TRUE(reopened.ok());
  auto view = (*reopened)->Read();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->Count()->orders, kOrders);
  EXPECT_EQ((*(*view)->GetStock("berlin", "MUG"))->reserved, kOrders);
  EXPECT_TRUE((*view)->CheckInvariants()->empty());
}

TEST_F(EngineTest, GeocodesAddressesWithoutCoordinates) {
  domain::OrderRequest r;
  r.currency = "EUR";
  r.lines = {{"MUG", 1}};
  r.shipping_address = {"Ada", "Street 1", "", "Munich", "", "", "DE", std::nullopt, std::nullopt};
  auto point = engine_->PrepareOrder(r);
  ASSERT_TRUE(point.ok());
  EXPECT_NEAR(point->lat, 48.14, 0.1);
  r.shipping_address.country = "XX";
  EXPECT_EQ(engine_->PrepareOrder(r).error().pointer, "/shipping_address");
}


// An ERP's order: placed, paid elsewhere and on to fulfilling with its push queued, in one commit.
IntakeErpOrder Erp(const std::string& erp_order_id, std::vector<domain::RequestedLine> lines, Engine& engine) {
  domain::OrderRequest r;
  r.external_id = erp_order_id;
  r.channel = "erp-sim";
  r.currency = "EUR";
  r.lines = std::move(lines);
  r.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", 52.52, 13.40};
  auto point = engine.PrepareOrder(r);
  EXPECT_TRUE(point.ok());
  return {{r, *point, {}}, {"org-1"}};
}

TEST_F(EngineTest, AnErpOrderIsPlacedOnceWhateverTheDuplicatesAndWhicheverBatchTheyShare) {
  // Twenty copies of one ERP order, from four threads at once, and a second order.
  std::vector<std::thread> threads;
  std::mutex mu;
  std::map<std::string, int> ids;  // order id → answers naming it
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        Reply r = Run(Erp("SO-1", {{"MUG", 1}}, *engine_));
        if (r.status == 201) ++created;
        std::lock_guard lock(mu);
        ++ids[r.body];
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  ASSERT_EQ(ids.size(), 1u) << "every duplicate answers the original";
  EXPECT_NE(ids.begin()->first.find(" fulfilling"), std::string::npos) << ids.begin()->first;
  // The same ERP order id of another organisation is another order.
  IntakeErpOrder other = Erp("SO-1", {{"MUG", 1}}, *engine_);
  other.ref.organization_id = "org-2";
  EXPECT_EQ(Run(other).status, 201);
  auto view = engine_->Read();
  EXPECT_EQ((*view)->Count()->orders, 2);
  std::string id = ids.begin()->first.substr(0, ids.begin()->first.find(' '));
  auto jobs = (*view)->ListJobs({"", "wms.push", id, {50, ""}});
  ASSERT_EQ(jobs->items.size(), 1u);
  EXPECT_EQ(jobs->items[0].state, "queued");
  EXPECT_EQ(Stock("MUG")[0].reserved, 2);
  ExpectInvariants();
}

TEST_F(EngineTest, AnErpOrderIsNeverSplitAndAnUnknownSkuChangesNothing) {
  Reply split = Run(Erp("SO-2", {{"MUG", 12}}, *engine_));  // 10 in berlin, 5 in munich
  EXPECT_EQ(split.status, 409) << split.body;
  EXPECT_EQ(split.body, "insufficient-stock");
  Reply unknown = Run(Erp("SO-3", {{"NOPE", 1}}, *engine_));
  EXPECT_EQ(unknown.status, 422);
  // Neither was recorded: the ERP may send the order again, corrected.
  EXPECT_EQ(Run(Erp("SO-3", {{"MUG", 1}}, *engine_)).status, 201);
  auto view = engine_->Read();
  EXPECT_EQ((*view)->Count()->orders, 1);
}

TEST_F(EngineTest, AWmsCallbackIsAppliedOnceAndAStaleOneOnlyRecorded) {
  Reply placed = Run(Erp("SO-4", {{"MUG", 2}}, *engine_));
  ASSERT_EQ(placed.status, 201);
  std::string id = placed.body.substr(0, placed.body.find(' '));
  auto result = [&](const Reply& r) { return r.status == 200 ? r.body : "HTTP " + std::to_string(r.status) + " " + r.body; };
  auto event = [&](const std::string& event_id, const std::string& status) {
    return ApplyWmsEvent{id, {event_id, "wms_1", status, "DHL", "JD1", "2026-01-01T00:00:00Z"}};
  };
  // Renders WmsEventResult as its result (Render knows orders only).
  auto run = [&](ApplyWmsEvent e) {
    std::promise<std::string> promise;
    auto future = promise.get_future();
    engine_->Submit({std::move(e), Meta{"corr", "cause", "key:wms", "", ""}, Render, [&](Completion c) {
                       auto* r = c.outcome.result.ok() ? std::get_if<WmsEventResult>(&c.outcome.result.value()) : nullptr;
                       promise.set_value(r ? r->result + (r->reason.empty() ? "" : ": " + r->reason)
                                           : result(c.Render(Render)));
                     }});
    return future.get();
  };
  EXPECT_EQ(run(event("e1", "shipped")), "applied");
  EXPECT_EQ(run(event("e1", "shipped")), "duplicate");
  EXPECT_EQ(run(event("e2", "packed")), "ignored: out of order: packed after shipped");
  EXPECT_EQ(run(event("e2", "packed")), "duplicate");
  EXPECT_EQ(run(ApplyWmsEvent{"ord_none", {"e3", "wms_1", "picked", "", "", ""}}), "HTTP 404 not-found");
  EXPECT_EQ(run(event("e3", "delivered")), "applied");  // e3 was not recorded by the 404
  auto view = engine_->Read();
  auto order = (*view)->GetOrder(id);
  EXPECT_EQ((*order)->status, "delivered");
  EXPECT_EQ((*order)->carrier, "DHL");
  EXPECT_EQ(Stock("MUG")[0].on_hand, 8);
  EXPECT_EQ(Stock("MUG")[0].reserved, 0);
  int ignored = 0, updated = 0;
  auto timeline = (*view)->OrderEvents(id);
  ASSERT_TRUE(timeline.ok());
  for (const auto& e : *timeline) {
    ignored += e.type == "wms.callback_ignored";
    updated += e.type == "wms.status_updated";
  }
  EXPECT_EQ(ignored, 1);
  EXPECT_EQ(updated, 2);
  ExpectInvariants();
}

// Operators tell the threads apart in `top -H` and `ps -L`: the writer, the
// expiry timer and the store's sync thread carry their names.
TEST_F(EngineTest, ItsThreadsAreNamedForOperators) {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.insert(name);
  }
  EXPECT_EQ(names.count("ordo-writer"), 1u);
  EXPECT_EQ(names.count("ordo-timer"), 1u);
  EXPECT_EQ(names.count("ordo-sync"), 2u);  // SqliteOptions::sync_threads
  EXPECT_EQ(names.count("ordo-checkpoint"), 1u);
}

}  // namespace
}  // namespace ordo::engine

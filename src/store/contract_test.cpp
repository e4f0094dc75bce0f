// The storage contract: every adapter must pass this suite against a real
// database: a SQLite file, and PostgreSQL when ORDO_TEST_PG names a server
// (CTest always does: it starts a throwaway server for these tests).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "store/postgres/postgres_store.h"
#include "store/postgres/test_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace ordo::store {
namespace {

using domain::Location;
using domain::Order;
using domain::Product;
using domain::Reservation;
using domain::ReservationState;
using domain::StockLevel;

struct Adapter {
  std::string name;
  // Opens the database of one test: `dir` is the test's own empty directory,
  // `tag` a name unique to the test and the process.
  std::function<std::unique_ptr<Store>(const std::string& dir, const std::string& tag)> open;
  // Empties the test's database (recreate = true, before the test) or removes it (after).
  std::function<void(const std::string& tag, bool recreate)> reset = [](const std::string&, bool) {};
};

void PrintTo(const Adapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<Adapter> Adapters() {
  std::vector<Adapter> all = {{"sqlite", [](const std::string& dir, const std::string&) {
                                 auto s = OpenSqlite({dir + "/ordo.db"});
                                 EXPECT_TRUE(s.ok());
                                 return std::move(s.value());
                               }}};
  // Run by hand without ORDO_TEST_PG, the binary tests SQLite only.
  if (!pgtest::ServerConninfo().empty())
    all.push_back({"postgres",
                   [](const std::string&, const std::string& tag) -> std::unique_ptr<Store> {
                     auto s = OpenPostgres({pgtest::WithSchema(pgtest::ServerConninfo(), pgtest::SchemaName(tag))});
                     EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
                     return s.ok() ? std::move(s.value()) : nullptr;
                   },
                   [](const std::string& tag, bool recreate) {
                     std::string err = pgtest::ResetSchema(pgtest::SchemaName(tag), recreate);
                     EXPECT_EQ(err, "");
                   }});
  return all;
}

class StoreContract : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ordo-contract-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    tag_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    GetParam().reset(tag_, true);
    store_ = GetParam().open(dir_.string(), tag_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override {
    store_.reset();
    GetParam().reset(tag_, false);
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<WriteTx> Tx() {
    auto tx = store_->BeginWrite();
    EXPECT_TRUE(tx.ok());
    return std::move(tx.value());
  }
  std::unique_ptr<ReadView> View() {
    auto v = store_->Read();
    EXPECT_TRUE(v.ok());
    return std::move(v.value());
  }
  void Seed() {
    auto tx = Tx();
    ASSERT_TRUE(tx->PutProduct({"MUG", "Mug", {1250, "EUR"}, "6912", R"({"color":"red"})", 1}).ok());
    ASSERT_TRUE(tx->PutProduct({"TEE", "Tee", {1999, "EUR"}, "", "{}", 1}).ok());
    ASSERT_TRUE(tx->PutLocation({"berlin", "Berlin", domain::LocationKind::kWarehouse, 52.5, 13.4, true, 1}).ok());
    ASSERT_TRUE(tx->PutLocation({"munich", "Munich", domain::LocationKind::kStore, 48.1, 11.6, true, 1}).ok());
    ASSERT_TRUE(tx->PutStock({"berlin", "MUG", 10, 0, 1}, 1).ok());
    ASSERT_TRUE(tx->PutStock({"munich", "MUG", 5, 0, 1}, 1).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  Order SampleOrder(const std::string& id, const std::string& status = "pending") {
    Order o;
    o.id = id;
    o.currency = "EUR";
    o.customer_id = "cus_1";
    o.status = status;
    o.lines = {{"MUG", "Mug", 2, 1250, 2500}};
    o.total_minor = 2500;
    o.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", 52.52, 13.4};
    o.ship_to = {52.52, 13.4};
    o.allocations = {{"berlin", 1.5, {{"MUG", 2}}}};
    o.created_at = o.updated_at = 100;
    o.reservation_expires_at = 1000;
    return o;
  }
  std::filesystem::path dir_;
  std::string tag_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, MigrateIsIdempotent) {
  auto again = store_->Migrate();
  ASSERT_TRUE(again.ok());
  EXPECT_GE(*again, 1);
}

TEST_P(StoreContract, ProductsRoundTripAndPage) {
  Seed();
  auto v = View();
  auto mug = v->GetProduct("MUG");
  ASSERT_TRUE(mug.ok());
  ASSERT_TRUE(mug->has_value());
  EXPECT_EQ((*mug)->price.minor, 1250);
  EXPECT_EQ((*mug)->attributes, R"({"color":"red"})");
  auto page = v->ListProducts({1, ""});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].sku, "MUG");
  EXPECT_EQ(page->next_cursor, "MUG");
  auto rest = v->ListProducts({1, page->next_cursor});
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].sku, "TEE");
  EXPECT_TRUE(rest->next_cursor.empty());
  EXPECT_FALSE(v->GetProduct("NOPE")->has_value());
}

TEST_P(StoreContract, UncommittedWritesAreRolledBack) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->PutProduct({"GHOST", "Ghost", {1, "EUR"}, "", "{}", 1}).ok());
  }
  EXPECT_FALSE(View()->GetProduct("GHOST")->has_value());
}

TEST_P(StoreContract, WritesAreInvisibleToReadersUntilCommit) {
  auto tx = Tx();
  ASSERT_TRUE(tx->PutProduct({"LATER", "Later", {1, "EUR"}, "", "{}", 1}).ok());
  EXPECT_TRUE(tx->GetProduct("LATER")->has_value());  // the transaction sees its own write
  EXPECT_FALSE(View()->GetProduct("LATER")->has_value());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_TRUE(View()->GetProduct("LATER")->has_value());
}

TEST_P(StoreContract, StockConstraintsHoldInTheDatabase) {
  Seed();
  auto tx = Tx();
  // reserved above on_hand must be refused by the database itself
  EXPECT_FALSE(tx->ApplyStockDelta({"berlin", "MUG", 0, 11}, 1, 2).ok());
  EXPECT_TRUE(tx->ApplyStockDelta({"berlin", "MUG", 0, 10}, 1, 2).ok());
  EXPECT_FALSE(tx->ApplyStockDelta({"berlin", "MUG", -1, 0}, 1, 2).ok());
  EXPECT_FALSE(tx->ApplyStockDelta({"nowhere", "MUG", 1, 0}, 1, 2).ok());
  auto level = tx->GetStock("berlin", "MUG");
  ASSERT_TRUE(level.ok() && level->has_value());
  EXPECT_EQ((*level)->reserved, 10);
  EXPECT_EQ((*level)->version, 2);
}

TEST_P(StoreContract, StockQueries) {
  Seed();
  auto v = View();
  auto rows = v->GetStockForSkus({"MUG", "TEE"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].location_id, "berlin");
  EXPECT_EQ(v->QueryStock("", "munich")->size(), 1u);
  EXPECT_EQ(v->QueryStock("MUG", "")->size(), 2u);
  EXPECT_EQ(v->QueryStock("", "")->size(), 2u);
}

TEST_P(StoreContract, OrdersRoundTripAndListNewestFirst) {
  Seed();
  auto tx = Tx();
  for (int i = 1; i <= 5; ++i) {
    Order o = SampleOrder("ord_" + std::to_string(i), i % 2 ? "pending" : "cancelled");
    if (i == 5) o.customer_id = "cus_2";
    if (i == 1) {  // the integrations' fields, stored only when set
      o.organization_id = "org-1";
      o.shipping_address.phone = "+4930123456";
      o.wms = {"acknowledged", "wms_1", "packed"};
    }
    ASSERT_TRUE(tx->InsertOrder(o).ok());
  }
  ASSERT_TRUE(tx->Commit().ok());
  auto v = View();
  auto got = v->GetOrder("ord_1");
  ASSERT_TRUE(got.ok() && got->has_value());
  const Order& o = **got;
  EXPECT_EQ(o.lines.size(), 1u);
  EXPECT_EQ(o.lines[0].unit_price_minor, 1250);
  EXPECT_EQ(o.shipping_address.postal_code, "10117");
  ASSERT_TRUE(o.shipping_address.lat.has_value());
  EXPECT_DOUBLE_EQ(*o.shipping_address.lat, 52.52);
  ASSERT_EQ(o.allocations.size(), 1u);
  EXPECT_EQ(o.allocations[0].lines[0].quantity, 2);
  EXPECT_EQ(o.organization_id, "org-1");
  EXPECT_EQ(o.shipping_address.phone, "+4930123456");
  EXPECT_EQ(o.wms.state, "acknowledged");
  EXPECT_EQ(o.wms.order_id, "wms_1");
  EXPECT_EQ(o.wms.status, "packed");
  auto plain = v->GetOrder("ord_2");
  ASSERT_TRUE(plain.ok() && plain->has_value());
  EXPECT_EQ((*plain)->wms.state, "none");
  EXPECT_EQ((*plain)->organization_id, "");

  auto page = v->ListOrders({"", "", {2, ""}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "ord_5");
  EXPECT_EQ(page->items[1].id, "ord_4");
  auto next = v->ListOrders({"", "", {2, page->next_cursor}});
  EXPECT_EQ(next->items[0].id, "ord_3");
  auto pending = v->ListOrders({"pending", "", {50, ""}});
  EXPECT_EQ(pending->items.size(), 3u);
  EXPECT_TRUE(pending->next_cursor.empty());
  auto customer = v->ListOrders({"", "cus_2", {50, ""}});
  ASSERT_EQ(customer->items.size(), 1u);
  EXPECT_EQ(customer->items[0].id, "ord_5");
}

// GET /v1/orders?external_id=&wms_state=: each filter alone and with the
// others, through the indexes the filters have, and after an update moves an
// order from one sync state to another.
TEST_P(StoreContract, OrdersByExternalIdAndWmsState) {
  Seed();
  auto tx = Tx();
  struct Row { const char* id; const char* ext; const char* wms; const char* customer; const char* status; };
  for (const Row& r : {Row{"ord_1", "ERP-1", "none", "cus_1", "pending"}, Row{"ord_2", "ERP-2", "queued", "cus_1", "confirmed"},
                       Row{"ord_3", "", "failed", "cus_2", "confirmed"}, Row{"ord_4", "ERP-1", "failed", "cus_2", "confirmed"},
                       Row{"ord_5", "", "none", "cus_1", "pending"}}) {
    Order o = SampleOrder(r.id, r.status);
    o.external_id = r.ext;
    o.customer_id = r.customer;
    o.wms.state = r.wms;
    ASSERT_TRUE(tx->InsertOrder(o).ok());
  }
  ASSERT_TRUE(tx->Commit().ok());
  tx.reset();  // one writer at a time: this one's is released for the update below
  auto ids = [&](store::OrderFilter f) {
    std::vector<std::string> out;
    auto page = View()->ListOrders(f);
    if (!page.ok()) return std::vector<std::string>{"error: " + page.error().message};
    for (const auto& o : page->items) out.push_back(o.id);
    return out;
  };
  using V = std::vector<std::string>;
  auto by = [](std::string ext, std::string wms) {
    store::OrderFilter f;
    f.external_id = std::move(ext);
    f.wms_state = std::move(wms);
    return f;
  };
  EXPECT_EQ(ids(by("ERP-1", "")), (V{"ord_4", "ord_1"}));  // one external id can come from two channels
  EXPECT_EQ(ids(by("ERP-2", "")), (V{"ord_2"}));
  EXPECT_EQ(ids(by("erp-1", "")), V{});  // exact, as the other system wrote it
  EXPECT_EQ(ids(by("ERP-9", "")), V{});
  EXPECT_EQ(ids(by("", "failed")), (V{"ord_4", "ord_3"}));
  EXPECT_EQ(ids(by("", "none")), (V{"ord_5", "ord_1"}));
  EXPECT_EQ(ids(by("", "acknowledged")), V{});
  EXPECT_EQ(ids(by("ERP-1", "failed")), (V{"ord_4"}));
  auto with_customer = by("", "failed");
  with_customer.customer_id = "cus_2";
  with_customer.status = "confirmed";
  EXPECT_EQ(ids(with_customer), (V{"ord_4", "ord_3"}));
  with_customer.customer_id = "cus_1";
  EXPECT_EQ(ids(with_customer), V{});
  auto paged = by("", "failed");
  paged.page = {1, ""};
  auto first = View()->ListOrders(paged);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].id, "ord_4");
  paged.page.cursor = first->next_cursor;
  EXPECT_EQ(ids(paged), (V{"ord_3"}));

  // The WMS acknowledges ord_3 (a retry from the DLQ): it leaves "failed".
  auto got = View()->GetOrder("ord_3");
  ASSERT_TRUE(got.ok() && got->has_value());
  Order o = **got;
  o.wms.state = "acknowledged";
  o.version += 1;
  auto up = Tx();
  ASSERT_TRUE(up->UpdateOrder(o).ok());
  ASSERT_TRUE(up->Commit().ok());
  EXPECT_EQ(ids(by("", "failed")), (V{"ord_4"}));
  EXPECT_EQ(ids(by("", "acknowledged")), (V{"ord_3"}));
  EXPECT_EQ((*View()->GetOrder("ord_3"))->wms.state, "acknowledged");
}

TEST_P(StoreContract, OrdersByLocationAndACustomersUnpaidHolds) {
  Seed();
  auto tx = Tx();
  for (auto [id, customer] : {std::pair{"ord_a", "cus_1"}, {"ord_b", "cus_1"}, {"ord_c", "cus_2"}, {"ord_d", "cus_1"}}) {
    Order o = SampleOrder(id);
    o.customer_id = customer;
    ASSERT_TRUE(tx->InsertOrder(o).ok());
  }
  constexpr Timestamp kHeld = 253'402'300'799'999;  // a paid order's hold (domain::kHeldUntil)
  std::vector<Reservation> rows = {
      {"res_1", "ord_a", "berlin", "MUG", 2, ReservationState::kPending, 10, 500, 0},
      {"res_2", "ord_b", "munich", "MUG", 3, ReservationState::kPending, 10, 500, 0},
      {"res_3", "ord_b", "munich", "MUG", 7, ReservationState::kPending, 10, 50, 0},  // past its expiry
      {"res_4", "ord_c", "berlin", "MUG", 1, ReservationState::kPending, 10, 500, 0},
      {"res_5", "ord_d", "berlin", "MUG", 4, ReservationState::kPending, 10, kHeld, 0}};
  for (const auto& r : rows) ASSERT_TRUE(tx->InsertReservation(r).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto v = View();
  auto ids = [&](std::vector<std::string> locations) {
    std::vector<std::string> out;
    auto page = v->ListOrders({"", "", {50, ""}, locations});
    if (!page.ok()) return std::vector<std::string>{"error: " + page.error().message};
    for (const auto& o : page->items) out.push_back(o.id);
    return out;
  };
  EXPECT_EQ(ids({"munich"}), (std::vector<std::string>{"ord_b"}));
  EXPECT_EQ(ids({"berlin"}), (std::vector<std::string>{"ord_d", "ord_c", "ord_a"}));
  EXPECT_EQ(ids({"berlin", "munich"}).size(), 4u);
  EXPECT_TRUE(ids({"nowhere"}).empty());
  EXPECT_EQ(ids({}).size(), 4u);  // no filter

  auto holds = v->CountOpenHolds("cus_1", 100);
  ASSERT_TRUE(holds.ok()) << holds.error().message;
  EXPECT_EQ(holds->orders, 2);  // ord_a and ord_b; ord_d is paid, res_3 expired
  EXPECT_EQ(holds->units, 5);
  EXPECT_EQ(v->CountOpenHolds("cus_2", 100)->units, 1);
  EXPECT_EQ(v->CountOpenHolds("cus_1", 600)->orders, 0);
  EXPECT_EQ(v->CountOpenHolds("cus_9", 100)->orders, 0);
}

TEST_P(StoreContract, ReservationResolvesOnlyFromPending) {
  Seed();
  auto tx = Tx();
  Reservation r{"res_1", "ord_1", "berlin", "MUG", 2, ReservationState::kPending, 100, 500, 0};
  ASSERT_TRUE(tx->InsertReservation(r).ok());
  r.state = ReservationState::kReleased;
  r.resolved_at = 200;
  ASSERT_TRUE(tx->UpdateReservation(r).ok());
  r.state = ReservationState::kCommitted;
  EXPECT_FALSE(tx->UpdateReservation(r).ok());  // already resolved
  auto rows = tx->ListReservations("ord_1", "");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].state, ReservationState::kReleased);
  EXPECT_EQ(tx->ListReservations("ord_1", "pending")->size(), 0u);
}

TEST_P(StoreContract, ExpiredReservationsAreFoundByTime) {
  Seed();
  auto tx = Tx();
  ASSERT_TRUE(tx->InsertReservation({"res_1", "ord_1", "berlin", "MUG", 1, ReservationState::kPending, 1, 500, 0}).ok());
  ASSERT_TRUE(tx->InsertReservation({"res_2", "ord_2", "berlin", "MUG", 1, ReservationState::kPending, 1, 900, 0}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto v = View();
  EXPECT_EQ(v->OrdersWithExpiredReservations(499, 10)->size(), 0u);
  auto due = v->OrdersWithExpiredReservations(500, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0], "ord_1");
  EXPECT_EQ(v->OrdersWithExpiredReservations(1000, 10)->size(), 2u);
}

TEST_P(StoreContract, EventsAreGapFreeAndFormTimelines) {
  {
    auto tx = Tx();
    StoredEvent a{0, "order.created", "ord_1", "{}", 10, "req-1", "cmd-1"};
    StoredEvent b{0, "stock.set", "", R"({"sku":"MUG"})", 11, "req-2", "cmd-2"};
    StoredEvent c{0, "order.cancelled", "ord_1", "{}", 12, "req-3", "cmd-3"};
    ASSERT_TRUE(tx->AppendEvent(a).ok());
    ASSERT_TRUE(tx->AppendEvent(b).ok());
    ASSERT_TRUE(tx->AppendEvent(c).ok());
    ASSERT_TRUE(tx->Commit().ok());
    auto all = View()->EventsAfter(0, 10);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*all)[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ((*all)[0].type, "order.created");  // numbered in the order appended
    EXPECT_EQ((*all)[1].type, "stock.set");
    EXPECT_EQ((*all)[1].data, R"({"sku":"MUG"})");
    EXPECT_EQ((*all)[2].type, "order.cancelled");
    EXPECT_EQ(View()->LastEventSeq().value(), 3);
  }
  {
    auto rolled_back = Tx();
    StoredEvent d{0, "x", "", "{}", 13, "", ""};
    ASSERT_TRUE(rolled_back->AppendEvent(d).ok());
  }
  auto tx = Tx();
  StoredEvent e{0, "order.expired", "ord_1", "{}", 14, "", ""};
  ASSERT_TRUE(tx->AppendEvent(e).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(View()->LastEventSeq().value(), 4);  // the rolled-back event left no gap
  auto timeline = View()->OrderEvents("ord_1");
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ((*timeline)[0].type, "order.created");
  EXPECT_EQ((*timeline)[0].correlation_id, "req-1");
  EXPECT_EQ((*timeline)[2].id(), "evt_4");
  EXPECT_EQ(View()->EventsAfter(2, 10)->size(), 2u);
  EXPECT_TRUE(View()->CheckInvariants()->empty());
}

TEST_P(StoreContract, IdempotencyRecordsAreScopedAndPruned) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->PutIdempotency({"alice", "k1", "h1", 201, R"({"id":"ord_1"})", 100}).ok());
    ASSERT_TRUE(tx->PutIdempotency({"bob", "k1", "h2", 409, "{}", 5000}).ok());
    EXPECT_FALSE(tx->PutIdempotency({"alice", "k1", "h3", 201, "{}", 100}).ok());  // one per (principal, key)
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto v = View();
  auto alice = v->GetIdempotency("alice", "k1");
  ASSERT_TRUE(alice->has_value());
  EXPECT_EQ((*alice)->status, 201);
  EXPECT_EQ((*alice)->body, R"({"id":"ord_1"})");
  EXPECT_EQ((*v->GetIdempotency("bob", "k1"))->request_hash, "h2");
  EXPECT_FALSE(v->GetIdempotency("carol", "k1")->has_value());
  auto prune = Tx();
  EXPECT_EQ(*prune->PruneIdempotency(1000), 1);
  ASSERT_TRUE(prune->Commit().ok());
  EXPECT_FALSE(View()->GetIdempotency("alice", "k1")->has_value());
  EXPECT_TRUE(View()->GetIdempotency("bob", "k1")->has_value());
}

TEST_P(StoreContract, ExternalRefsAreRecordedOnceAndSurviveOnlyTheirCommit) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->InsertExternalRef("erp:org-1", "SO-1", "ord_1", 100).ok());
    ASSERT_TRUE(tx->InsertExternalRef("erp:org-2", "SO-1", "ord_2", 100).ok());  // another organisation's SO-1
    ASSERT_TRUE(tx->InsertExternalRef("wms-event", "wmsevt_1", "ord_1", 100).ok());
    // Seen inside the transaction that wrote it; a second one is refused and changes nothing.
    EXPECT_EQ(tx->GetExternalRef("erp:org-1", "SO-1").value(), std::optional<std::string>("ord_1"));
    auto again = tx->InsertExternalRef("erp:org-1", "SO-1", "ord_9", 200);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Code::kAlreadyExists);
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto rolled_back = Tx();
    ASSERT_TRUE(rolled_back->InsertExternalRef("erp:org-1", "SO-2", "ord_3", 300).ok());
  }
  auto v = View();
  EXPECT_EQ(v->GetExternalRef("erp:org-1", "SO-1").value(), std::optional<std::string>("ord_1"));
  EXPECT_EQ(v->GetExternalRef("erp:org-2", "SO-1").value(), std::optional<std::string>("ord_2"));
  EXPECT_EQ(v->GetExternalRef("wms-event", "wmsevt_1").value(), std::optional<std::string>("ord_1"));
  EXPECT_FALSE(v->GetExternalRef("erp:org-1", "SO-2")->has_value());  // rolled back
  EXPECT_FALSE(v->GetExternalRef("erp:org-3", "SO-1")->has_value());
  auto tx = Tx();
  EXPECT_FALSE(tx->InsertExternalRef("erp:org-1", "SO-1", "ord_9", 400).ok());  // also across transactions
  ASSERT_TRUE(tx->InsertExternalRef("erp:org-1", "SO-2", "ord_4", 400).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(View()->GetExternalRef("erp:org-1", "SO-2").value(), std::optional<std::string>("ord_4"));
}

TEST_P(StoreContract, CheckFindsBrokenLedger) {
  Seed();
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->InsertOrder(SampleOrder("ord_1")).ok());
    // A pending reservation of 2 that the stock row does not count.
    ASSERT_TRUE(tx->InsertReservation({"res_1", "ord_1", "berlin", "MUG", 2, ReservationState::kPending, 1, 9, 0}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto violations = View()->CheckInvariants();
  ASSERT_TRUE(violations.ok());
  ASSERT_EQ(violations->size(), 1u);
  EXPECT_EQ((*violations)[0].invariant, "reserved = sum of pending reservations");
  auto stock = View()->CheckStock();  // the stock rows' checks alone find it too
  ASSERT_TRUE(stock.ok());
  ASSERT_EQ(stock->size(), 1u);
  EXPECT_EQ((*stock)[0].invariant, "reserved = sum of pending reservations");
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->ApplyStockDelta({"berlin", "MUG", 0, 2}, 1, 2).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_TRUE(View()->CheckInvariants()->empty());
  {
    auto tx = Tx();  // a line of 2 with only 1 reserved
    Order o = SampleOrder("ord_2");
    ASSERT_TRUE(tx->InsertOrder(o).ok());
    ASSERT_TRUE(tx->InsertReservation({"res_2", "ord_2", "munich", "MUG", 1, ReservationState::kReleased, 1, 9, 5}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto broken = View()->CheckInvariants();
  ASSERT_EQ(broken->size(), 1u);
  EXPECT_EQ((*broken)[0].invariant, "reservations match order lines");
  EXPECT_TRUE(View()->CheckStock()->empty());  // not a stock row's problem
}

TEST_P(StoreContract, CommittedDataSurvivesReopen) {
  Seed();
  store_.reset();
  store_ = GetParam().open(dir_.string(), tag_);
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->Migrate().ok());
  EXPECT_TRUE(View()->GetProduct("MUG")->has_value());
}

Job MakeJob(const std::string& id, const std::string& kind, const std::string& order_id, const std::string& step,
            Timestamp run_at) {
  Job j;
  j.id = id;
  j.kind = kind;
  j.order_id = order_id;
  j.step = step;
  j.max_attempts = 4;
  j.run_at = run_at;
  j.payload = R"({"amount":1250})";
  j.created_at = j.updated_at = run_at;
  return j;
}

TEST_P(StoreContract, JobsAreClaimedWhenDueOnceAndByKind) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->InsertJob(MakeJob("job_1", "payment.charge", "ord_1", "charge", 100)).ok());
    ASSERT_TRUE(tx->InsertJob(MakeJob("job_2", "payment.charge", "ord_2", "charge", 300)).ok());
    ASSERT_TRUE(tx->InsertJob(MakeJob("job_3", "webhook.deliver", "", "webhook-1", 100)).ok());
    // The same step of the same order is never scheduled twice.
    auto again = tx->InsertJob(MakeJob("job_4", "payment.charge", "ord_1", "charge", 100));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Code::kAlreadyExists);
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    auto claimed = tx->ClaimJobs({"payment.charge"}, 10, 200, 5200, "node-a");
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    ASSERT_EQ(claimed->size(), 1u);  // job_2 is not due, job_3 is another kind
    const Job& j = (*claimed)[0];
    EXPECT_EQ(j.id, "job_1");
    EXPECT_EQ(j.state, job_state::kRunning);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_EQ(j.lease_until, 5200);
    EXPECT_EQ(j.owner, "node-a");
    EXPECT_EQ(j.payload, R"({"amount":1250})");
    EXPECT_EQ(j.key(), "ord_1:charge");
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    // Running under a live lease: not claimable; job_2 is due now.
    auto claimed = tx->ClaimJobs({"payment.charge", "webhook.deliver"}, 10, 400, 5400, "node-b");
    ASSERT_TRUE(claimed.ok());
    std::vector<std::string> ids;
    for (const auto& j : *claimed) ids.push_back(j.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"job_3", "job_2"}));  // oldest due first
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    // The lease ran out (the runner died): another node takes it over, as a new attempt.
    auto claimed = tx->ClaimJobs({"payment.charge"}, 1, 6000, 11000, "node-b");
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 1u);
    EXPECT_EQ((*claimed)[0].id, "job_1");
    EXPECT_EQ((*claimed)[0].attempts, 2);
    EXPECT_EQ((*claimed)[0].owner, "node-b");
    Job done = (*claimed)[0];
    done.state = job_state::kDone;
    done.updated_at = 6001;
    ASSERT_TRUE(tx->UpdateJob(done).ok());
    ASSERT_TRUE(tx->InsertJobAttempt({"job_1", 2, 6000, 6001, "ok", 200, ""}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto view = View();
  auto job = view->GetJob("job_1");
  ASSERT_TRUE(job.ok() && job->has_value());
  EXPECT_EQ((*job)->state, job_state::kDone);
  auto attempts = view->JobAttempts("job_1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].http_status, 200);
  auto none = view->GetJob("job_9");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreContract, JobsListByFilterAndCount) {
  {
    auto tx = Tx();
    for (int i = 1; i <= 5; ++i) {
      Job j = MakeJob("job_" + std::to_string(i), i % 2 ? "payment.charge" : "payment.refund",
                      "ord_" + std::to_string(i), "s", 100);
      if (i == 5) j.state = job_state::kDead;
      ASSERT_TRUE(tx->InsertJob(j).ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto view = View();
  auto page = view->ListJobs({"", "payment.charge", "", {2, ""}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "job_5");  // newest first
  EXPECT_EQ(page->items[1].id, "job_3");
  auto rest = view->ListJobs({"", "payment.charge", "", {2, page->next_cursor}});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "job_1");
  EXPECT_EQ(rest->next_cursor, "");
  auto dead = view->ListJobs({job_state::kDead, "", "", {}});
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->items.size(), 1u);
  auto by_order = view->ListJobs({"", "", "ord_2", {}});
  ASSERT_TRUE(by_order.ok());
  ASSERT_EQ(by_order->items.size(), 1u);
  EXPECT_EQ(by_order->items[0].kind, "payment.refund");
  auto by_step = view->ListJobs({"", "", "", {}, "s"});
  ASSERT_TRUE(by_step.ok());
  EXPECT_EQ(by_step->items.size(), 5u);
  auto no_step = view->ListJobs({"", "", "", {}, "webhook-"});
  ASSERT_TRUE(no_step.ok());
  EXPECT_TRUE(no_step->items.empty());
  auto counts = view->CountJobs();
  ASSERT_TRUE(counts.ok());
  std::map<std::string, std::int64_t> by;
  for (const auto& c : *counts) by[c.kind + "/" + c.state] = c.count;
  EXPECT_EQ(by, (std::map<std::string, std::int64_t>{
                    {"payment.charge/dead", 1}, {"payment.charge/queued", 2}, {"payment.refund/queued", 2}}));
}

TEST_P(StoreContract, OverdueJobsAreFoundOncePerAttempt) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->InsertJob(MakeJob("job_1", "wms.push", "ord_1", "a", 100)).ok());
    ASSERT_TRUE(tx->InsertJob(MakeJob("job_2", "payment.charge", "ord_2", "b", 900)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    auto overdue = tx->OverdueJobs(500, 50);
    ASSERT_TRUE(overdue.ok()) << overdue.error().message;
    ASSERT_EQ(overdue->size(), 1u);  // job_2 is not due before 500
    EXPECT_EQ((*overdue)[0].id, "job_1");
    ASSERT_TRUE(tx->InsertJobAttempt({"job_1", 0, 500, 500, "stuck", 0, "nobody ran it"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    auto again = tx->OverdueJobs(1000, 50);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->size(), 1u);  // job_1 was reported for this attempt already
    EXPECT_EQ((*again)[0].id, "job_2");
    // A claim whose lease ran out is overdue again, as a new attempt.
    auto claimed = tx->ClaimJobs({"wms.push"}, 1, 1000, 1100, "node-a");
    ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto later = View()->OverdueJobs(2000, 50);
  ASSERT_TRUE(later.ok());
  std::vector<std::string> ids;
  for (const auto& j : *later) ids.push_back(j.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"job_1", "job_2"}));  // by run_at
}

TEST_P(StoreContract, ConfigIsVersionedOptimistically) {
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->PutConfig({"workflow", 1, R"({"a":1})", 10}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    auto stale = tx->PutConfig({"workflow", 1, R"({"a":2})", 11});  // version 1 exists already
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().type, "version-conflict");
    auto skip = tx->PutConfig({"workflow", 3, R"({"a":3})", 11});  // must be 2
    ASSERT_FALSE(skip.ok());
    ASSERT_TRUE(tx->PutConfig({"workflow", 2, R"({"a":4})", 12}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto view = View();
  auto doc = view->GetConfig("workflow");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ((*doc)->version, 2);
  EXPECT_EQ((*doc)->body, R"({"a":4})");
  auto none = view->GetConfig("branding");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreContract, ReconciliationReportsListNewestFirstAndPage) {
  {
    auto tx = Tx();
    for (int i = 1; i <= 3; ++i)
      ASSERT_TRUE(tx->InsertReconciliation({"rec_" + std::to_string(i), i * 100, i * 100 + 5,
                                            R"({"n":)" + std::to_string(i) + "}",
                                            R"({"n":)" + std::to_string(i) + R"(,"discrepancies":[]})"})
                      .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto rolled_back = Tx();
    ASSERT_TRUE(rolled_back->InsertReconciliation({"rec_9", 900, 901, "{}", "{}"}).ok());
  }
  auto v = View();
  auto first = v->ListReconciliations({2, ""});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, "rec_3");
  EXPECT_EQ(first->items[0].summary, R"({"n":3})");
  EXPECT_EQ(first->items[0].started_at, 300);
  EXPECT_EQ(first->items[0].finished_at, 305);
  EXPECT_EQ(first->items[1].id, "rec_2");
  EXPECT_EQ(first->next_cursor, "rec_2");
  auto rest = v->ListReconciliations({2, first->next_cursor});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "rec_1");
  EXPECT_TRUE(rest->next_cursor.empty());
  auto one = v->GetReconciliation("rec_2");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->body, R"({"n":2,"discrepancies":[]})");
  EXPECT_FALSE(v->GetReconciliation("rec_9")->has_value());  // rolled back
}

TEST_P(StoreContract, TheDemoResetEmptiesTheShopButKeepsTheLogAndTheKeys) {
  Seed();
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->InsertOrder(SampleOrder("ord_1")).ok());
    ASSERT_TRUE(tx->InsertReservation({"res_1", "ord_1", "berlin", "MUG", 2, ReservationState::kPending, 1, 9, 0}).ok());
    ASSERT_TRUE(tx->ApplyStockDelta({"berlin", "MUG", 0, 2}, 1, 2).ok());
    StoredEvent e{0, "order.placed", "ord_1", "{}", 5, "", ""};
    ASSERT_TRUE(tx->AppendEvent(e).ok());
    ASSERT_TRUE(tx->InsertExternalRef("erp:org-1", "SO-1", "ord_1", 100).ok());
    ASSERT_TRUE(tx->InsertReconciliation({"rec_1", 1, 2, "{}", "{}"}).ok());
    ASSERT_TRUE(tx->PutConfig({"workflow", 1, "{}", 10}).ok());
    ASSERT_TRUE(tx->PutConfig({"api_keys", 1, "[]", 10}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = Tx();
    ASSERT_TRUE(tx->ResetForDemo().ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto v = View();
  EXPECT_FALSE(v->GetOrder("ord_1")->has_value());
  EXPECT_TRUE(v->ListReservations("ord_1", "")->empty());
  EXPECT_FALSE(v->GetProduct("MUG")->has_value());
  EXPECT_TRUE(v->ListLocations()->empty());
  EXPECT_TRUE(v->QueryStock("", "")->empty());
  EXPECT_FALSE(v->GetExternalRef("erp:org-1", "SO-1")->has_value());
  EXPECT_TRUE(v->ListReconciliations({10, ""})->items.empty());
  EXPECT_FALSE(v->GetConfig("workflow")->has_value());
  EXPECT_TRUE(v->GetConfig("api_keys")->has_value());
  EXPECT_EQ(v->LastEventSeq().value(), 1);  // the log stays: stream positions remain valid
  EXPECT_TRUE(v->CheckInvariants()->empty());
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreContract, ::testing::ValuesIn(Adapters()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ordo::store

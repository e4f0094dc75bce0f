// The PostgreSQL adapter beyond the contract suite: several nodes writing to
// one database at once, and the failures that must come back retryable.
// Needs ORDO_TEST_PG (CTest sets it and starts the server); skipped without it.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "store/postgres/postgres_store.h"
#include "store/postgres/test_schema.h"

namespace ordo::store {
namespace {

using domain::Order;
using domain::Reservation;
using domain::ReservationState;

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pgtest::ServerConninfo().empty()) GTEST_SKIP() << "ORDO_TEST_PG is not set (ctest sets it)";
    schema_ = pgtest::SchemaName(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(pgtest::ResetSchema(schema_), "");
  }
  void TearDown() override {
    if (!schema_.empty()) pgtest::ResetSchema(schema_, false);
  }

  // One "node": a store of its own on the test's schema.
  std::unique_ptr<Store> Node(const std::string& extra_options = "", const std::string& extra_conninfo = "",
                              bool pipelined_sync = true) {
    PostgresOptions options{pgtest::WithSchema(pgtest::ServerConninfo(), schema_, extra_options) + " " + extra_conninfo};
    options.pipelined_sync = pipelined_sync;
    auto s = OpenPostgres(options);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s.value()) : nullptr;
  }

  // Products A and B, stocked at one location.
  void Seed(Store& store, std::int64_t on_hand) {
    auto tx = store.BeginWrite();
    ASSERT_TRUE(tx.ok());
    for (const char* sku : {"A", "B"}) ASSERT_TRUE((*tx)->PutProduct({sku, sku, {100, "EUR"}, "", "{}", 1}).ok());
    ASSERT_TRUE((*tx)->PutLocation({"L1", "L1", domain::LocationKind::kWarehouse, 50, 10, true, 1}).ok());
    for (const char* sku : {"A", "B"}) ASSERT_TRUE((*tx)->PutStock({"L1", sku, on_hand, 0, 1}, 1).ok());
    auto committed = (*tx)->Commit();
    ASSERT_TRUE(committed.ok()) << committed.error().message;
  }

  std::string schema_;
};

// Places one order for one A and one B as the engine does: lock the rows,
// change them (here deliberately in the node's own SKU order), insert the
// order, its reservations and an event, commit.
Status PlaceOrder(Store& store, const std::string& id, const std::vector<std::string>& sku_order) {
  auto tx = store.BeginWrite();
  if (!tx) return tx.take_error();
  WriteTx& w = **tx;
  auto rows = w.GetStockForSkus(sku_order);
  if (!rows) return rows.take_error();
  if (rows->size() != 2 || (*rows)[0].sku != "A" || (*rows)[1].sku != "B")
    return Error::Internal("rows not returned in (sku, location) order");
  std::this_thread::yield();
  Order o;
  o.id = id;
  o.currency = "EUR";
  o.status = "pending";
  o.total_minor = 200;
  o.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", std::nullopt, std::nullopt};
  for (const auto& sku : sku_order) {
    if (auto s = w.ApplyStockDelta({"L1", sku, 0, 1}, 1, 5); !s) return s;
    o.lines.push_back({sku, sku, 1, 100, 100});
  }
  if (auto s = w.InsertOrder(o); !s) return s;
  for (const auto& sku : sku_order)
    if (auto s = w.InsertReservation({"res_" + id + "_" + sku, id, "L1", sku, 1, ReservationState::kPending, 5, 99, 0});
        !s)
      return s;
  StoredEvent e{0, "order.placed", id, "{}", 5, "", ""};
  if (auto s = w.AppendEvent(e); !s) return s;
  return w.Commit();
}

TEST_F(PostgresStore, TwoNodesLockingInOppositeOrdersNeitherDeadlockNorBreakInvariants) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2);
  ASSERT_TRUE(node1->Migrate().ok());
  ASSERT_TRUE(node2->Migrate().ok());
  Seed(*node1, 1000);
  constexpr int kOrders = 60;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mu;
  auto run = [&](Store& store, const std::string& node, std::vector<std::string> order) {
    for (int i = 0; i < kOrders; ++i)
      if (auto s = PlaceOrder(store, "ord_" + node + "_" + std::to_string(i), order); !s) {
        std::lock_guard lock(mu);
        if (failures++ == 0) first_failure = s.error().message;
      }
  };
  std::thread t1(run, std::ref(*node1), "n1", std::vector<std::string>{"A", "B"});
  std::thread t2(run, std::ref(*node2), "n2", std::vector<std::string>{"B", "A"});
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;

  auto view = node1->Read();
  ASSERT_TRUE(view.ok());
  auto stock = (*view)->QueryStock("", "L1");
  ASSERT_TRUE(stock.ok());
  ASSERT_EQ(stock->size(), 2u);
  for (const auto& row : *stock) {
    EXPECT_EQ(row.on_hand, 1000);
    EXPECT_EQ(row.reserved, 2 * kOrders) << row.sku;
    EXPECT_EQ(row.version, 1 + 2 * kOrders) << row.sku;
  }
  // One gap-free event sequence across both nodes.
  auto events = (*view)->EventsAfter(0, 200);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<std::size_t>(2 * kOrders));
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].seq, static_cast<std::int64_t>(i + 1));
  auto violations = (*view)->CheckInvariants();
  ASSERT_TRUE(violations.ok()) << violations.error().message;
  for (const auto& v : *violations) ADD_FAILURE() << v.invariant << ": " << v.detail;
}

// Locking the rows without the global order does deadlock, and PostgreSQL's
// verdict comes back as a retryable error, not an internal one.
TEST_F(PostgresStore, DeadlockIsRetryable) {
  auto node1 = Node("-c deadlock_timeout=50ms"), node2 = Node("-c deadlock_timeout=50ms");
  ASSERT_TRUE(node1 && node2);
  ASSERT_TRUE(node1->Migrate().ok());
  Seed(*node1, 10);
  auto tx1 = node1->BeginWrite();
  auto tx2 = node2->BeginWrite();
  ASSERT_TRUE(tx1.ok() && tx2.ok());
  ASSERT_TRUE((*tx1)->ApplyStockDelta({"L1", "A", 0, 1}, 1, 2).ok());
  ASSERT_TRUE((*tx2)->ApplyStockDelta({"L1", "B", 0, 1}, 1, 2).ok());
  // Whichever loses rolls back at once (as the engine does), so the other one goes on.
  Status second = Ok();
  std::thread t([&] {
    second = (*tx1)->ApplyStockDelta({"L1", "B", 0, 1}, 1, 2);  // waits for tx2
    if (!second) tx1->reset();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Status first = (*tx2)->ApplyStockDelta({"L1", "A", 0, 1}, 1, 2);  // closes the cycle
  if (!first) tx2->reset();
  t.join();
  ASSERT_NE(first.ok(), second.ok()) << "exactly one of the two must lose";
  const Error& lost = first.ok() ? second.error() : first.error();
  EXPECT_EQ(lost.code, Code::kUnavailable);
  EXPECT_TRUE(lost.retryable());
  EXPECT_EQ(lost.type, kConflict) << "the engine reruns a batch only on this type";
  EXPECT_NE(lost.message.find("40P01"), std::string::npos) << lost.message;
  EXPECT_EQ(lost.message.find("UPDATE"), std::string::npos) << "no SQL in messages: " << lost.message;
  auto& winner = first.ok() ? tx2 : tx1;
  ASSERT_TRUE((*winner)->Commit().ok());
  auto view = node1->Read();
  ASSERT_TRUE(view.ok());
  for (const char* sku : {"A", "B"}) EXPECT_EQ((*(*view)->GetStock("L1", sku))->reserved, 1) << sku;  // the winner's only
}

// A failed statement poisons the write transaction: later calls and Commit
// fail with the first error, and nothing of it is kept.
TEST_F(PostgresStore, AFailedWriteFailsTheCommit) {
  auto node = Node();
  ASSERT_TRUE(node && node->Migrate().ok());
  Seed(*node, 10);
  {
    auto tx = node->BeginWrite();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutProduct({"C", "C", {1, "EUR"}, "", "{}", 1}).ok());
    // Queued without waiting; the unknown location breaks the foreign key.
    ASSERT_TRUE((*tx)->PutStock({"nowhere", "C", 1, 0, 1}, 1).ok());
    auto read = (*tx)->GetProduct("C");  // travels with the queued writes and reports their failure
    EXPECT_FALSE(read.ok());
    Status commit = (*tx)->Commit();
    ASSERT_FALSE(commit.ok());
    EXPECT_EQ(commit.error().code, Code::kInternal);
    EXPECT_NE(commit.error().message.find("23503"), std::string::npos) << commit.error().message;
  }
  {
    auto tx = node->BeginWrite();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutProduct({"D", "D", {1, "EUR"}, "", "{}", 1}).ok());
    ASSERT_TRUE((*tx)->PutStock({"nowhere", "D", 1, 0, 1}, 1).ok());
    EXPECT_FALSE((*tx)->Commit().ok());  // found at Commit when nothing read in between
  }
  auto view = node->Read();
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE((*view)->GetProduct("C")->has_value());
  EXPECT_FALSE((*view)->GetProduct("D")->has_value());
  // The writer connection is fine for the next batch.
  auto tx = node->BeginWrite();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->PutProduct({"E", "E", {1, "EUR"}, "", "{}", 1}).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_TRUE((*node->Read())->GetProduct("E")->has_value());
}

// The server drops the node's connections: the write in flight fails
// retryable, the next transaction reconnects, reads reconnect on their own.
TEST_F(PostgresStore, LostConnectionsAreRetryableAndReconnect) {
  std::string app = "ordo_victim_" + schema_;
  auto node = Node("", "application_name=" + app);
  ASSERT_TRUE(node && node->Migrate().ok());
  Seed(*node, 10);
  { auto warm = node->Read(); ASSERT_TRUE(warm.ok() && (*warm)->GetProduct("A").ok()); }  // one pooled reader
  auto tx = node->BeginWrite();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->GetProduct("A").ok());
  // Both connections, the writer's and the pooled reader's; the timeout makes
  // pg_terminate_backend wait until each is gone.
  auto killed = pgtest::Exec(pgtest::ServerConninfo(),
                             "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = '" +
                                 app + "'");
  ASSERT_EQ(killed, "");
  auto lost = (*tx)->GetProduct("A");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, Code::kUnavailable) << lost.error().message;
  EXPECT_FALSE((*tx)->Commit().ok());
  tx->reset();

  auto again = node->BeginWrite();
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE((*again)->PutProduct({"F", "F", {1, "EUR"}, "", "{}", 1}).ok());
  ASSERT_TRUE((*again)->Commit().ok());
  auto view = node->Read();  // the pooled reader was dropped by the server too
  ASSERT_TRUE(view.ok());
  auto f = (*view)->GetProduct("F");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->has_value());
}

TEST_F(PostgresStore, NodesMigratingAtOnceApplyEachStepOnce) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2);
  Result<int> v1 = 0, v2 = 0;
  std::thread t([&] { v1 = node1->Migrate(); });
  v2 = node2->Migrate();
  t.join();
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(*v1, *v2);
  EXPECT_GE(*v1, 1);
  auto tx = node2->BeginWrite();
  ASSERT_TRUE(tx.ok());
  StoredEvent e{0, "x", "", "{}", 1, "", ""};
  ASSERT_TRUE((*tx)->AppendEvent(e).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ((*node2->Read())->LastEventSeq().value(), 1);  // exactly one counter row
}

// Expiry sweeps on two nodes share the due orders: each order is claimed by
// one node only, and what a node held when its transaction died is claimed
// by the next sweep elsewhere.
TEST_F(PostgresStore, ExpiryClaimsSkipWhatAnotherNodeHoldsAndAreTakenOverWhenItDies) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2 && node1->Migrate().ok());
  Seed(*node1, 1000);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PlaceOrder(*node1, "ord_" + std::to_string(i), {"A", "B"}).ok());
  auto tx1 = node1->BeginWrite();
  ASSERT_TRUE(tx1.ok());
  auto first = (*tx1)->ClaimExpiredOrders(100, 3);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, (std::vector<std::string>{"ord_0", "ord_1", "ord_2"}));
  {
    auto tx2 = node2->BeginWrite();
    ASSERT_TRUE(tx2.ok());
    auto second = (*tx2)->ClaimExpiredOrders(100, 10);  // must not wait for node 1
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(*second, (std::vector<std::string>{"ord_3", "ord_4"}));
    EXPECT_TRUE((*(*tx2)->ClaimExpiredOrders(98, 10)).empty()) << "nothing is due before its expiry";
  }
  tx1->reset();  // node 1's transaction dies: its claims are free again
  auto tx2 = node2->BeginWrite();
  ASSERT_TRUE(tx2.ok());
  auto takeover = (*tx2)->ClaimExpiredOrders(100, 10);
  ASSERT_TRUE(takeover.ok());
  EXPECT_EQ(takeover->size(), 5u);
}

// A second node with the same Idempotency-Key waits for the first one's
// commit, then finds its record (instead of running the request twice).
TEST_F(PostgresStore, AnIdempotencyKeyLockMakesAnotherNodeWaitForTheRecord) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2 && node1->Migrate().ok());
  auto tx1 = node1->BeginWrite();
  ASSERT_TRUE(tx1.ok());
  ASSERT_TRUE((*tx1)->LockIdempotencyKeys({{"anonymous", "k-1"}, {"anonymous", "k-2"}}).ok());
  std::optional<IdempotencyRecord> seen;
  std::string error;
  std::thread t([&] {
    auto tx2 = node2->BeginWrite();
    if (!tx2) return void(error = tx2.error().message);
    if (auto s = (*tx2)->LockIdempotencyKeys({{"anonymous", "k-2"}}); !s) return void(error = s.error().message);
    auto found = (*tx2)->GetIdempotency("anonymous", "k-2");
    if (!found) return void(error = found.error().message);
    seen = *found;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE((*tx1)->PutIdempotency({"anonymous", "k-2", "hash", 201, "{}", 1}).ok());
  ASSERT_TRUE((*tx1)->Commit().ok());
  t.join();
  ASSERT_EQ(error, "");
  ASSERT_TRUE(seen.has_value()) << "node 2 did not wait for node 1's commit";
  EXPECT_EQ(seen->status, 201);
}

// The change feed wakes on another node's commit, and only then.
TEST_F(PostgresStore, TheChangeFeedWakesOnAnotherNodesCommit) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2 && node1->Migrate().ok());
  auto feed = node2->Listen();
  ASSERT_NE(feed, nullptr);
  auto quiet = feed->Wait(std::chrono::milliseconds(100));
  ASSERT_TRUE(quiet.ok());
  EXPECT_FALSE(*quiet);
  {
    auto tx = node1->BeginWrite();
    ASSERT_TRUE(tx.ok());
    StoredEvent e{0, "x", "", "{}", 1, "", ""};
    ASSERT_TRUE((*tx)->AppendEvent(e).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  bool woke = false;
  for (int i = 0; i < 20 && !woke; ++i) {
    auto r = feed->Wait(std::chrono::milliseconds(100));
    ASSERT_TRUE(r.ok());
    woke = *r;
  }
  EXPECT_TRUE(woke);
}

// Writers wake other nodes only while one of them wants it (ChangeFeed::Want):
// a node whose feed says so gets the wake-ups, and once no node wants them
// (seen by the writer's own feed within a second) commits send none.
TEST_F(PostgresStore, CommitsWakeOtherNodesOnlyWhileOneWantsIt) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2 && node1->Migrate().ok());
  auto feed1 = node1->Listen(), feed2 = node2->Listen();
  ASSERT_TRUE(feed1 && feed2);
  auto commit_on_node1 = [&] {
    auto tx = node1->BeginWrite();
    ASSERT_TRUE(tx.ok());
    StoredEvent e{0, "x", "", "{}", 1, "", ""};
    ASSERT_TRUE((*tx)->AppendEvent(e).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  };
  auto woken_within = [&](std::chrono::milliseconds ms) {
    auto until = std::chrono::steady_clock::now() + ms;
    while (std::chrono::steady_clock::now() < until) {
      auto r = feed2->Wait(std::chrono::milliseconds(50));
      if (!r.ok()) return false;
      if (*r) return true;
    }
    return false;
  };
  // Node 2 wants the wake-ups; node 1's feed looks (its first check is at once).
  feed2->Want(true);
  feed1->Want(false);
  commit_on_node1();
  EXPECT_TRUE(woken_within(std::chrono::milliseconds(2000)));
  // Nobody wants them any more: after node 1's next check, its commits are silent.
  feed2->Want(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  feed1->Want(false);
  commit_on_node1();
  EXPECT_FALSE(woken_within(std::chrono::milliseconds(500)));
  // Wanted again: heard again after the next check.
  feed2->Want(true);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  feed1->Want(false);
  commit_on_node1();
  EXPECT_TRUE(woken_within(std::chrono::milliseconds(2000)));
  // A node without a feed of its own (its wants unknown) always sends them.
  auto node3 = Node();
  ASSERT_TRUE(node3);
  feed2->Want(false);
  {
    auto tx = node3->BeginWrite();
    ASSERT_TRUE(tx.ok());
    StoredEvent e{0, "y", "", "{}", 1, "", ""};
    ASSERT_TRUE((*tx)->AppendEvent(e).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_TRUE(woken_within(std::chrono::milliseconds(2000)));
}

// Two nodes create the same new stock row at once: the second one loses with
// a conflict (the engine then runs its batch again and finds the row), and
// the first one's value stands.
TEST_F(PostgresStore, CreatingAStockRowAnotherNodeCreatedFirstIsAConflict) {
  auto node1 = Node(), node2 = Node();
  ASSERT_TRUE(node1 && node2 && node1->Migrate().ok());
  Seed(*node1, 10);
  {
    auto tx = node1->BeginWrite();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->PutProduct({"C", "C", {1, "EUR"}, "", "{}", 1}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto tx1 = node1->BeginWrite();
  ASSERT_TRUE(tx1.ok());
  ASSERT_TRUE((*tx1)->CreateStockRow({"L1", "C", 7, 0, 1}, 2).ok());
  ASSERT_TRUE((*tx1)->GetProduct("C").ok());  // the insert has run: node 2 will wait for it
  Status second = Ok();
  std::thread t([&] {
    auto tx2 = node2->BeginWrite();
    if (!tx2) return void(second = tx2.take_error());
    second = (*tx2)->CreateStockRow({"L1", "C", 0, 0, 0}, 3);
    if (second) second = (*tx2)->Commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE((*tx1)->Commit().ok());
  t.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().type, kConflict) << second.error().message;
  auto row = (*node1->Read())->GetStock("L1", "C");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->on_hand, 7);
}

// Pipelined sync: a writer's COMMIT frees its locks before the WAL flush, and a
// transaction of its own in the same round trip flushes the WAL. These tests
// make the WAL hold a commit that nothing has flushed yet (another session
// commits with synchronous_commit = off) and note the WAL position after it.
// Other sessions' flushes on the shared test server can make them hold without
// the mechanism under test; they never fail with it.
class UnflushedCommit {
 public:
  explicit UnflushedCommit(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {}
  ~UnflushedCommit() { PQfinish(c_); }
  // Commits `sql` without waiting for the flush; returns the WAL position after it.
  std::string Commit(const std::string& sql) {
    EXPECT_EQ(One("SET synchronous_commit = off"), "");
    EXPECT_EQ(One(sql), "");
    return One("SELECT pg_current_wal_insert_lsn()::text");
  }
  bool FlushedPast(const std::string& lsn) { return One("SELECT pg_current_wal_flush_lsn() >= '" + lsn + "'::pg_lsn") == "t"; }

 private:
  std::string One(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0)
                      : PQresultStatus(r) == PGRES_COMMAND_OK                 ? ""
                                                                             : PQresultErrorMessage(r);
    PQclear(r);
    return out;
  }
  PGconn* c_;
};

TEST_F(PostgresStore, ACommitReturnsOnlyOnceTheWalIsFlushedPastIt) {
  auto node = Node();
  ASSERT_TRUE(node);
  ASSERT_TRUE(node->Migrate().ok());
  UnflushedCommit other(pgtest::WithSchema(pgtest::ServerConninfo(), schema_));
  std::string before = other.Commit("INSERT INTO locations (id, name, kind, lat, lng, active, updated_at)"
                                    " VALUES ('L0', 'L0', 'warehouse', 0, 0, true, 1)");
  Seed(*node, 5);  // a batch: its commit comes after the other one in the WAL
  EXPECT_TRUE(other.FlushedPast(before)) << "Commit returned before the WAL was flushed past " << before;
}

TEST_F(PostgresStore, AReadThatSeesACommitNotYetFlushedWaitsForTheFlush) {
  auto node = Node();
  ASSERT_TRUE(node);
  ASSERT_TRUE(node->Migrate().ok());
  UnflushedCommit other(pgtest::WithSchema(pgtest::ServerConninfo(), schema_));
  std::string after = other.Commit("INSERT INTO products (sku, name, price_minor, currency, hs_code, attributes,"
                                   " updated_at) VALUES ('LATE', 'Late', 100, 'EUR', '', '{}', 1)");
  auto view = node->Read();
  ASSERT_TRUE(view.ok());
  auto p = (*view)->GetProduct("LATE");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_value());
  EXPECT_TRUE(other.FlushedPast(after)) << "answered before the WAL was flushed past " << after;
}

// With the pipelined sync off, each COMMIT waits for its own flush: the same
// store contract holds (the contract suite runs with it on).
TEST_F(PostgresStore, InlineSyncCommitsAndReadsAsBefore) {
  auto inline_node = Node("", "", false);
  ASSERT_TRUE(inline_node);
  Store& node = *inline_node;
  ASSERT_TRUE(node.Migrate().ok());
  Seed(node, 5);
  ASSERT_TRUE(PlaceOrder(node, "ord_1", {"A", "B"}).ok());
  auto view = node.Read();
  ASSERT_TRUE(view.ok());
  auto stock = (*view)->GetStock("L1", "A");
  ASSERT_TRUE(stock.ok() && stock->has_value());
  EXPECT_EQ((*stock)->reserved, 1);
  auto order = (*view)->GetOrder("ord_1");
  ASSERT_TRUE(order.ok());
  EXPECT_TRUE(order->has_value());
}

// The batch statements take their columns as arrays in PostgreSQL's binary
// format (Params::TA, IA): any text, quotes and backslashes included, and
// negative numbers must arrive as sent.
TEST_F(PostgresStore, BatchArraysCarryAnyTextAndNegativeNumbersUnchanged) {
  auto node = Node();
  ASSERT_NE(node, nullptr);
  ASSERT_TRUE(node->Migrate().ok());
  Seed(*node, 10);
  const std::string odd = "q\"uo{t,e}\\ NULL Zo\u00eb \u6771\u4eac";
  {
    auto tx = node->BeginWrite();
    ASSERT_TRUE(tx.ok());
    WriteTx& w = **tx;
    ASSERT_TRUE(w.ApplyStockDeltas({{{"L1", "A", -3, 2}, 1}, {{"L1", "B", 5, 0}, 2}}, 7).ok());
    for (const std::string id : {"ord_1", "ord_2"}) {
      Order o;
      o.id = id;
      o.customer_id = id == "ord_1" ? odd : "";
      o.external_id = odd + id;
      o.currency = "EUR";
      o.status = "pending";
      o.total_minor = 200;
      o.shipping_address = {odd, "Street 1", "", "Berlin", "", "10117", "DE", std::nullopt, std::nullopt};
      o.lines.push_back({"A", odd, 2, 100, 200});
      ASSERT_TRUE(w.InsertOrder(o).ok());
      ASSERT_TRUE(w.InsertReservation({"res_" + id, id, "L1", "A", 1, ReservationState::kPending, 5, 99, 0}).ok());
      StoredEvent e{0, "order.created", id, "{\"note\":\"" + odd + "\"}", -5, odd, ""};
      ASSERT_TRUE(w.AppendEvent(e).ok());
    }
    ASSERT_TRUE(w.Commit().ok());
  }
  auto view = node->Read();
  ASSERT_TRUE(view.ok());
  auto a = (*view)->GetStock("L1", "A");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->on_hand, 7);
  EXPECT_EQ((*a)->reserved, 2);
  auto o = (*view)->GetOrder("ord_1");
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ((*o)->customer_id, odd);
  EXPECT_EQ((*o)->external_id, odd + "ord_1");
  EXPECT_EQ((*o)->shipping_address.name, odd);
  ASSERT_EQ((*o)->lines.size(), 1u);
  EXPECT_EQ((*o)->lines[0].name, odd);
  auto other = (*view)->GetOrder("ord_2");
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->customer_id, "");
  auto events = (*view)->OrderEvents("ord_1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].data, "{\"note\":\"" + odd + "\"}");
  EXPECT_EQ((*events)[0].time, -5);
  EXPECT_EQ((*events)[0].correlation_id, odd);
}

TEST_F(PostgresStore, DescribeNeverShowsThePassword) {
  auto s = OpenPostgres({"host=127.0.0.1 port=1 dbname=x user=u password=secret connect_timeout=1"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  EXPECT_EQ(s.error().message.find("secret"), std::string::npos);
  auto node = Node();
  ASSERT_TRUE(node);
  EXPECT_EQ(node->Describe().find("password"), std::string::npos);
  EXPECT_EQ(node->Describe().rfind("postgres://127.0.0.1:", 0), 0u) << node->Describe();
}

}  // namespace
}  // namespace ordo::store

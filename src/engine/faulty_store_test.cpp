// Storage failures inside a batch: a wrapper around the real SQLite store
// that fails chosen writes (after LevelDB's FaultInjectionTestEnv).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::engine {
namespace {

using store::ReadView;
using store::WriteTx;

struct Faults {
  std::atomic<bool> fail_insert_order{false};
  std::atomic<bool> fail_commit{false};
  std::atomic<int> conflicts{0};  // this many commits lose a conflict with "another node"
  std::atomic<int> commits_tried{0};
};

// Delegates everything; fails what `faults` asks for.
class FaultyTx final : public WriteTx {
 public:
  FaultyTx(std::unique_ptr<WriteTx> tx, Faults& faults) : tx_(std::move(tx)), faults_(faults) {}
  Result<std::optional<domain::Product>> GetProduct(const std::string& a) override { return tx_->GetProduct(a); }
  Result<std::vector<domain::Product>> GetProducts(const std::vector<std::string>& a) override { return tx_->GetProducts(a); }
  Result<store::Paged<domain::Product>> ListProducts(const store::Page& a) override { return tx_->ListProducts(a); }
  Result<std::optional<domain::Location>> GetLocation(const std::string& a) override { return tx_->GetLocation(a); }
  Result<std::vector<domain::Location>> ListLocations() override { return tx_->ListLocations(); }
  Result<std::optional<domain::StockLevel>> GetStock(const std::string& a, const std::string& b) override { return tx_->GetStock(a, b); }
  Result<std::vector<domain::StockLevel>> GetStockForSkus(const std::vector<std::string>& a) override { return tx_->GetStockForSkus(a); }
  Result<std::vector<domain::StockLevel>> QueryStock(const std::string& a, const std::string& b) override { return tx_->QueryStock(a, b); }
  Result<std::optional<domain::Order>> GetOrder(const std::string& a) override { return tx_->GetOrder(a); }
  Result<store::Paged<domain::Order>> ListOrders(const store::OrderFilter& a) override { return tx_->ListOrders(a); }
  Result<store::OpenHolds> CountOpenHolds(const std::string& c, Timestamp now) override { return tx_->CountOpenHolds(c, now); }
  Result<std::vector<domain::Reservation>> ListReservations(const std::string& a, const std::string& b) override { return tx_->ListReservations(a, b); }
  Result<std::vector<store::StoredEvent>> OrderEvents(const std::string& a) override { return tx_->OrderEvents(a); }
  Result<std::vector<store::StoredEvent>> EventsAfter(std::int64_t a, int b) override { return tx_->EventsAfter(a, b); }
  Result<std::int64_t> LastEventSeq() override { return tx_->LastEventSeq(); }
  Result<std::optional<store::IdempotencyRecord>> GetIdempotency(const std::string& a, const std::string& b) override { return tx_->GetIdempotency(a, b); }
  Result<std::vector<std::string>> OrdersWithExpiredReservations(Timestamp a, int b) override { return tx_->OrdersWithExpiredReservations(a, b); }
  Result<store::Counts> Count() override { return tx_->Count(); }
  Result<std::vector<store::Violation>> CheckInvariants() override { return tx_->CheckInvariants(); }
  Result<std::vector<store::Violation>> CheckStock() override { return tx_->CheckStock(); }
  Status PutProduct(const domain::Product& a) override { return tx_->PutProduct(a); }
  Status PutLocation(const domain::Location& a) override { return tx_->PutLocation(a); }
  Status PutStock(const domain::StockLevel& a, Timestamp b) override { return tx_->PutStock(a, b); }
  Status ApplyStockDelta(const domain::StockDelta& a, std::int64_t b, Timestamp c) override { return tx_->ApplyStockDelta(a, b, c); }
  Status ApplyStockDeltas(const std::vector<StockChange>& a, Timestamp b) override { return tx_->ApplyStockDeltas(a, b); }
  Status InsertOrder(const domain::Order& a) override {
    if (faults_.fail_insert_order) return Error::Internal("injected: insert order failed");
    return tx_->InsertOrder(a);
  }
  Status UpdateOrder(const domain::Order& a) override { return tx_->UpdateOrder(a); }
  Status InsertReservation(const domain::Reservation& a) override { return tx_->InsertReservation(a); }
  Status UpdateReservation(const domain::Reservation& a) override { return tx_->UpdateReservation(a); }
  Status AppendEvent(store::StoredEvent& a) override { return tx_->AppendEvent(a); }
  Status PutIdempotency(const store::IdempotencyRecord& a) override { return tx_->PutIdempotency(a); }
  Result<std::int64_t> PruneIdempotency(Timestamp a) override { return tx_->PruneIdempotency(a); }
  Result<std::optional<store::Job>> GetJob(const std::string& a) override { return tx_->GetJob(a); }
  Result<store::Paged<store::Job>> ListJobs(const store::JobFilter& a) override { return tx_->ListJobs(a); }
  Result<std::vector<store::JobAttempt>> JobAttempts(const std::string& a) override { return tx_->JobAttempts(a); }
  Result<std::vector<store::JobCount>> CountJobs() override { return tx_->CountJobs(); }
  Result<std::vector<store::Job>> OverdueJobs(Timestamp a, int b) override { return tx_->OverdueJobs(a, b); }
  Result<std::optional<store::ConfigDoc>> GetConfig(const std::string& a) override { return tx_->GetConfig(a); }
  Result<std::optional<std::string>> GetExternalRef(const std::string& a, const std::string& b) override {
    return tx_->GetExternalRef(a, b);
  }
  Status InsertExternalRef(const std::string& a, const std::string& b, const std::string& c, Timestamp d) override {
    return tx_->InsertExternalRef(a, b, c, d);
  }
  Status InsertJob(const store::Job& a) override { return tx_->InsertJob(a); }
  Status UpdateJob(const store::Job& a) override { return tx_->UpdateJob(a); }
  Status InsertJobAttempt(const store::JobAttempt& a) override { return tx_->InsertJobAttempt(a); }
  Result<std::vector<store::Job>> ClaimJobs(const std::vector<std::string>& a, int b, Timestamp c, Timestamp d,
                                            const std::string& e) override {
    return tx_->ClaimJobs(a, b, c, d, e);
  }
  Status PutConfig(const store::ConfigDoc& a) override { return tx_->PutConfig(a); }
  Result<store::Paged<store::ReconciliationRecord>> ListReconciliations(const store::Page& a) override {
    return tx_->ListReconciliations(a);
  }
  Result<std::optional<store::ReconciliationRecord>> GetReconciliation(const std::string& a) override {
    return tx_->GetReconciliation(a);
  }
  Status InsertReconciliation(const store::ReconciliationRecord& a) override { return tx_->InsertReconciliation(a); }
  Status ResetForDemo() override { return tx_->ResetForDemo(); }
  Status Commit() override {
    ++faults_.commits_tried;
    if (faults_.fail_commit) return Error::Unavailable("injected: disk full");
    if (faults_.conflicts.fetch_sub(1) > 0)
      return Error{Code::kUnavailable, store::kConflict, "injected: deadlock detected", "", {}};
    return tx_->Commit();
  }

 private:
  std::unique_ptr<WriteTx> tx_;
  Faults& faults_;
};

class FaultyStore final : public store::Store {
 public:
  FaultyStore(std::unique_ptr<store::Store> inner, Faults& faults) : inner_(std::move(inner)), faults_(faults) {}
  Result<int> Migrate() override { return inner_->Migrate(); }
  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    auto tx = inner_->BeginWrite();
    if (!tx) return tx.take_error();
    return std::unique_ptr<WriteTx>(std::make_unique<FaultyTx>(std::move(*tx), faults_));
  }
  Result<std::unique_ptr<ReadView>> Read() override { return inner_->Read(); }
  std::string Describe() const override { return "faulty " + inner_->Describe(); }
  void AfterDurable(std::function<void()> then) override { inner_->AfterDurable(std::move(then)); }

 private:
  std::unique_ptr<store::Store> inner_;
  Faults& faults_;
};

class FaultyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<store::TestDir>("ordo-faulty");
    auto inner = store::OpenSqlite({dir_->db()});
    ASSERT_TRUE(inner.ok());
    store_ = std::make_unique<FaultyStore>(std::move(*inner), faults_);
    ASSERT_TRUE(store_->Migrate().ok());
    Options options;
    options.expiry_sweep_interval_ms = 3'600'000;
    engine_ = std::make_unique<Engine>(*store_, clock_, options);
    engine_->Start();
    ASSERT_EQ(Run(PutProduct{{"MUG", "Mug", {1250, "EUR"}, "", "{}", 0}}), 200);
    ASSERT_EQ(Run(PutLocation{{"berlin", "Berlin", domain::LocationKind::kWarehouse, 52.5, 13.4, true, 0}}), 200);
    ASSERT_EQ(Run(SetStock{"berlin", "MUG", 10, std::nullopt}), 200);
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    dir_.reset();
  }
  static Reply Render(const Outcome& o) {
    if (o.result.ok()) return {200, ""};
    return {o.result.error().code == Code::kUnavailable ? 503 : 409, o.result.error().type};
  }
  int Run(CommandBody body) {
    std::promise<Reply> p;
    auto f = p.get_future();
    engine_->Submit({std::move(body), {}, Render, [&](Completion c) { p.set_value(c.Render(Render)); }});
    return f.get().status;
  }
  PlaceOrder Order(std::int64_t quantity) {
    domain::OrderRequest r;
    r.currency = "EUR";
    r.lines = {{"MUG", quantity}};
    r.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "", "DE", 52.52, 13.40};
    return {r, {52.52, 13.40}};
  }
  // Submits several orders at once (they land in one or a few batches) and
  // waits for every reply.
  std::vector<int> RunTogether(int n) {
    std::vector<std::promise<Reply>> promises(static_cast<std::size_t>(n));
    std::vector<std::future<Reply>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    for (int i = 0; i < n; ++i)
      engine_->Submit({Order(1), {}, Render, [&, i](Completion c) { promises[static_cast<std::size_t>(i)].set_value(c.Render(Render)); }});
    std::vector<int> statuses;
    for (auto& f : futures) statuses.push_back(f.get().status);
    return statuses;
  }
  std::int64_t Reserved() {
    auto view = engine_->Read();
    return (*(*view)->GetStock("berlin", "MUG"))->reserved;
  }
  std::int64_t Orders() {
    auto view = engine_->Read();
    return (*view)->Count()->orders;
  }

  std::unique_ptr<store::TestDir> dir_;
  Faults faults_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(FaultyStoreTest, AFailedWriteRollsBackTheWholeBatchAndAcknowledgesNothing) {
  faults_.fail_insert_order = true;
  for (int status : RunTogether(5)) EXPECT_EQ(status, 503);
  EXPECT_EQ(Reserved(), 0);
  EXPECT_EQ(Orders(), 0);
  faults_.fail_insert_order = false;
  EXPECT_EQ(Run(Order(2)), 200);  // the engine recovers
  EXPECT_EQ(Reserved(), 2);
}

TEST_F(FaultyStoreTest, AFailedCommitAcknowledgesNothing) {
  faults_.fail_commit = true;
  for (int status : RunTogether(4)) EXPECT_EQ(status, 503);
  faults_.fail_commit = false;
  EXPECT_EQ(Reserved(), 0);
  EXPECT_EQ(Orders(), 0);
  auto view = engine_->Read();
  EXPECT_TRUE((*view)->CheckInvariants()->empty());
  EXPECT_EQ(Run(Order(10)), 200);  // all 10 units are still there to sell
  EXPECT_EQ(Run(Order(1)), 409);
}

TEST_F(FaultyStoreTest, ABatchThatLosesAConflictRunsAgainAndCommitsOnce) {
  faults_.conflicts = 2;
  faults_.commits_tried = 0;
  EXPECT_EQ(Run(Order(3)), 200);
  EXPECT_EQ(faults_.commits_tried.load(), 3);  // two conflicts, then the commit
  EXPECT_EQ(Reserved(), 3);
  EXPECT_EQ(Orders(), 1);
  auto view = engine_->Read();
  EXPECT_TRUE((*view)->CheckInvariants()->empty());
}

TEST_F(FaultyStoreTest, ConflictsBeyondTheRetryBudgetAcknowledgeNothing) {
  faults_.conflicts = 1000;
  faults_.commits_tried = 0;
  EXPECT_EQ(Run(Order(3)), 503);
  EXPECT_EQ(faults_.commits_tried.load(), kMaxBatchAttempts);
  faults_.conflicts = 0;
  EXPECT_EQ(Reserved(), 0);
  EXPECT_EQ(Orders(), 0);
}

}  // namespace
}  // namespace ordo::engine

// The SQLite writer keeps a batch's rows between batches (store/row_cache.h).
// Whatever it answers must be what a fresh read of the committed data gives:
// after its own commits, after a rolled-back batch, after catalogue changes,
// and after another process's commit to the same file.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::store {
namespace {

std::unique_ptr<Store> Open(const TestDir& dir) {
  auto s = OpenSqlite({dir.db()});
  EXPECT_TRUE(s.ok());
  if (!s.ok()) return nullptr;
  EXPECT_TRUE((*s)->Migrate().ok());
  return std::move(*s);
}

void Seed(Store& store) {
  auto tx = store.BeginWrite();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->PutProduct({"MUG", "Mug", {1250, "EUR"}, "", "{}", 1}).ok());
  ASSERT_TRUE((*tx)->PutLocation({"berlin", "Berlin", domain::LocationKind::kWarehouse, 52.5, 13.4, true, 1}).ok());
  ASSERT_TRUE((*tx)->PutLocation({"munich", "Munich", domain::LocationKind::kStore, 48.1, 11.6, true, 1}).ok());
  ASSERT_TRUE((*tx)->PutStock({"berlin", "MUG", 10, 0, 1}, 1).ok());
  ASSERT_TRUE((*tx)->PutStock({"munich", "MUG", 5, 0, 1}, 1).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
}

// Products, locations and stock rows as one line each, to compare.
std::string Render(const std::vector<domain::Product>& products, const std::vector<domain::Location>& locations,
                   const std::vector<domain::StockLevel>& stock) {
  std::ostringstream out;
  for (const auto& p : products) out << p.sku << " " << p.name << " " << p.price.minor << "\n";
  for (const auto& l : locations) out << l.id << " active=" << l.active << "\n";
  for (const auto& s : stock)
    out << s.sku << "@" << s.location_id << " " << s.on_hand << "/" << s.reserved << " v" << s.version << "\n";
  return out.str();
}

// What a read connection finds committed.
std::string Fresh(Store& store) {
  auto view = store.Read();
  EXPECT_TRUE(view.ok());
  auto products = (*view)->GetProducts({"MUG"});
  auto locations = (*view)->ListLocations();
  auto stock = (*view)->GetStockForSkus({"MUG"});
  EXPECT_TRUE(products.ok() && locations.ok() && stock.ok());
  return Render(*products, *locations, *stock);
}

// What the writer's next batch is given, in a transaction that `change` may
// write to before it commits (or not).
std::string Batch(Store& store, bool commit, const std::function<void(WriteTx&)>& change = {}) {
  auto tx = store.BeginWrite();
  EXPECT_TRUE(tx.ok());
  auto rows = (*tx)->LoadForBatch({"MUG"}, true);
  EXPECT_TRUE(rows.ok());
  EXPECT_FALSE(rows->cached) << "SQLite's rows are exact: the engine must not treat them as possibly stale";
  std::string seen = Render(rows->products, rows->locations, rows->stock);
  if (change) change(**tx);
  if (commit) {
    EXPECT_TRUE((*tx)->Commit().ok());
  }
  return seen;
}

void Reserve(WriteTx& tx, const std::string& location, std::int64_t units) {
  ASSERT_TRUE(tx.ApplyStockDelta({location, "MUG", 0, units}, 1, 2).ok());
}

TEST(SqliteRowCache, ABatchIsGivenWhatIsCommittedWhateverEarlierBatchesDid) {
  TestDir dir("ordo-rowcache");
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  Seed(*store);

  std::string first = Batch(*store, true, [](WriteTx& tx) { Reserve(tx, "berlin", 2); });
  EXPECT_NE(first.find("MUG@berlin 10/0 v1"), std::string::npos) << first;
  // Its own committed deltas: berlin 10/2, version 2.
  std::string after_commit = Batch(*store, false);
  EXPECT_EQ(after_commit, Fresh(*store));
  EXPECT_NE(after_commit.find("MUG@berlin 10/2 v2"), std::string::npos) << after_commit;

  // A batch that rolls back leaves nothing behind.
  Batch(*store, false, [](WriteTx& tx) { Reserve(tx, "berlin", 3); });
  EXPECT_EQ(Batch(*store, false), Fresh(*store));
  EXPECT_NE(Batch(*store, false).find("MUG@berlin 10/2 v2"), std::string::npos);

  // Several batches in a row, each on what the one before committed.
  for (int i = 0; i < 3; ++i) Batch(*store, true, [](WriteTx& tx) { Reserve(tx, "munich", 1); });
  EXPECT_EQ(Batch(*store, false), Fresh(*store));
  EXPECT_NE(Batch(*store, false).find("MUG@munich 5/3 v4"), std::string::npos);

  // A new price, a closed location, an absolute stock write, each a batch of its own.
  Batch(*store, true, [](WriteTx& tx) { ASSERT_TRUE(tx.PutProduct({"MUG", "Mug", {1500, "EUR"}, "", "{}", 3}).ok()); });
  std::string priced = Batch(*store, false);
  EXPECT_EQ(priced, Fresh(*store));
  EXPECT_NE(priced.find("MUG Mug 1500"), std::string::npos) << priced;
  Batch(*store, true, [](WriteTx& tx) {
    ASSERT_TRUE(tx.PutLocation({"munich", "Munich", domain::LocationKind::kStore, 48.1, 11.6, false, 3}).ok());
  });
  std::string closed = Batch(*store, false);
  EXPECT_EQ(closed, Fresh(*store));
  EXPECT_NE(closed.find("munich active=0"), std::string::npos) << closed;
  Batch(*store, true, [](WriteTx& tx) { ASSERT_TRUE(tx.PutStock({"berlin", "MUG", 20, 2, 9}, 3).ok()); });
  std::string set = Batch(*store, false);
  EXPECT_EQ(set, Fresh(*store));
  EXPECT_NE(set.find("MUG@berlin 20/2 v9"), std::string::npos) << set;
}

TEST(SqliteRowCache, AnotherProcesssCommitToTheFileIsSeen) {
  TestDir dir("ordo-rowcache");
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  Seed(*store);
  Batch(*store, true, [](WriteTx& tx) { Reserve(tx, "berlin", 1); });
  EXPECT_NE(Batch(*store, false).find("MUG@berlin 10/1 v2"), std::string::npos);

  {  // a second store on the same file, as another `ordo` process would open it
    auto other = Open(dir);
    ASSERT_NE(other, nullptr);
    auto tx = other->BeginWrite();
    ASSERT_TRUE(tx.ok());
    Reserve(**tx, "berlin", 4);
    ASSERT_TRUE((*tx)->PutProduct({"MUG", "Mug", {990, "EUR"}, "", "{}", 5}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::string seen = Batch(*store, false);
  EXPECT_EQ(seen, Fresh(*store));
  EXPECT_NE(seen.find("MUG@berlin 10/5 v3"), std::string::npos) << seen;
  EXPECT_NE(seen.find("MUG Mug 990"), std::string::npos) << seen;
}

}  // namespace
}  // namespace ordo::store

// Pipelined sync (sqlite_store.h): a commit returns before the WAL is synced,
// but nothing can learn of it before the sync: AfterDurable's callback waits
// for it, and so does every read that could see the commit. The sync thread is
// held at a gate (SqliteOptions::before_sync) to show the waiting, and two
// syncs are held at once to show that the second need not wait for the first.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::store {
namespace {

using namespace std::chrono_literals;

// Holds the sync threads before each sync. While open, every sync passes;
// shut, the n-th sync to arrive passes only once Release(n) is called, or
// once the gate is opened again.
class Gate {
 public:
  void Shut() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Release(int n) {
    {
      std::lock_guard lock(mu_);
      released_.insert(n);
    }
    cv_.notify_all();
  }
  void Pass() {
    std::unique_lock lock(mu_);
    int me = ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_ || released_.count(me) > 0; });
  }
  // Waits until syncs have come to the gate `n` times in all.
  bool Arrived(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return arrived_ >= n; });
  }
  int arrived() {
    std::lock_guard lock(mu_);
    return arrived_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int arrived_ = 0;
  std::set<int> released_;
};

bool Eventually(const std::atomic<bool>& flag) {
  for (int i = 0; i < 500 && !flag; ++i) std::this_thread::sleep_for(10ms);
  return flag;
}

void PutProduct(Store& store, const std::string& sku) {
  auto tx = store.BeginWrite();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->PutProduct({sku, "Mug", {1250, "EUR"}, "", "{}", 1}).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
}

// A migrated store whose sync threads (`sync_threads_` of them) pass `gate_`
// before each sync.
class SqlitePipelinedSync : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options{dir_.db()};
    if (sync_threads_ > 0) options.sync_threads = sync_threads_;
    options.before_sync = [gate = gate_] { gate->Pass(); };
    auto opened = OpenSqlite(options);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override { gate_->Open(); }  // a failed test must not leave the sync thread held

  int sync_threads_ = 0;  // 0: the default (SqliteOptions::sync_threads)
  TestDir dir_{"ordo-sync"};
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<Store> store_;
};

using SqliteOverlappingSyncs = SqlitePipelinedSync;

class SqliteOneSyncThread : public SqlitePipelinedSync {
 protected:
  SqliteOneSyncThread() { sync_threads_ = 1; }
};

TEST_F(SqlitePipelinedSync, ReadsAndCallbacksWaitForTheSyncOfACommit) {
  Store& store = *store_;
  Gate* gate = gate_.get();
  gate->Shut();
  int synced = gate->arrived();
  {  // no commit in flight: a read does not wait, shut gate or not
    auto view = store.Read();
    ASSERT_TRUE(view.ok());
    auto p = (*view)->GetProduct("MUG");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->has_value());
  }

  PutProduct(store, "MUG");  // returns: applied, not yet synced
  std::atomic<bool> durable{false}, read{false};
  store.AfterDurable([&] { durable = true; });
  std::thread reader([&] {
    auto view = store.Read();
    ASSERT_TRUE(view.ok());
    auto p = (*view)->GetProduct("MUG");
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->has_value());
    read = true;
  });
  ASSERT_TRUE(gate->Arrived(synced + 1));  // the sync thread is at the gate
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(durable) << "acknowledged before the sync";
  EXPECT_FALSE(read) << "read a commit that was not yet on disk";

  gate->Open();
  reader.join();
  EXPECT_TRUE(read);
  EXPECT_TRUE(Eventually(durable));
}

TEST_F(SqlitePipelinedSync, CallbacksRunInOrderOnceTheirCommitsAreSynced) {
  Store& store = *store_;
  Gate* gate = gate_.get();
  gate->Shut();
  std::mutex mu;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    PutProduct(store, "SKU-" + std::to_string(i));
    store.AfterDurable([&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
    });
  }
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(order.empty());
  }
  gate->Open();
  std::atomic<bool> last{false};
  store.AfterDurable([&] { last = true; });
  ASSERT_TRUE(Eventually(last));
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(SqliteInlineSync, ACommitIsDurableWhenItReturns) {
  TestDir dir("ordo-sync");
  std::atomic<int> syncs{0};
  SqliteOptions options{dir.db()};
  options.pipelined_sync = false;
  options.before_sync = [&] { ++syncs; };
  auto opened = OpenSqlite(options);
  ASSERT_TRUE(opened.ok());
  Store& store = **opened;
  ASSERT_TRUE(store.Migrate().ok());
  PutProduct(store, "MUG");
  bool called = false;
  store.AfterDurable([&] { called = true; });
  EXPECT_TRUE(called);  // at once, on this thread
  EXPECT_EQ(syncs.load(), 0);  // SQLite synced inside COMMIT; no sync thread
  auto view = store.Read();
  ASSERT_TRUE(view.ok());
  auto p = (*view)->GetProduct("MUG");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->has_value());
}

TEST_F(SqliteOverlappingSyncs, ACommitEndedDuringASyncIsSyncedAtOnceAndThatSyncCoversTheEarlierOneToo) {
  Store& store = *store_;
  Gate* gate = gate_.get();
  gate->Shut();
  const int first = gate->arrived() + 1;

  std::mutex mu;
  std::vector<int> called;
  auto note = [&](int i) {
    std::lock_guard lock(mu);
    called.push_back(i);
  };
  PutProduct(store, "MUG");
  store.AfterDurable([&] { note(1); });
  ASSERT_TRUE(gate->Arrived(first));  // the first commit's sync is held
  PutProduct(store, "CAP");
  store.AfterDurable([&] { note(2); });
  ASSERT_TRUE(gate->Arrived(first + 1)) << "the second commit waited for the first sync to finish";

  // The second sync began after both commits ended: once it is done, both
  // are on disk, while the first sync is still held.
  gate->Release(first + 1);
  std::atomic<bool> both{false};
  store.AfterDurable([&] { both = true; });
  ASSERT_TRUE(Eventually(both));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(called, (std::vector<int>{1, 2}));
  }
  auto view = store.Read();  // sees both without waiting for the held sync
  ASSERT_TRUE(view.ok());
  auto cap = (*view)->GetProduct("CAP");
  ASSERT_TRUE(cap.ok());
  EXPECT_TRUE(cap->has_value());
  gate->Release(first);
}

TEST_F(SqliteOneSyncThread, ACommitWaitsForTheSyncUnderWay) {
  Store& store = *store_;
  Gate* gate = gate_.get();
  gate->Shut();
  const int first = gate->arrived() + 1;
  PutProduct(store, "MUG");
  ASSERT_TRUE(gate->Arrived(first));
  PutProduct(store, "CAP");
  std::atomic<bool> durable{false};
  store.AfterDurable([&] { durable = true; });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(gate->arrived(), first) << "a second sync began while the only sync thread was held";
  EXPECT_FALSE(durable);
  gate->Release(first);
  ASSERT_TRUE(gate->Arrived(first + 1));  // then the second commit's own sync
  gate->Release(first + 1);
  EXPECT_TRUE(Eventually(durable));
}

}  // namespace
}  // namespace ordo::store

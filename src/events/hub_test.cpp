// The hub against a real SQLite store: events appended by write transactions
// reach subscribers in order, filtered, resumed, and never twice.
#include "events/hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/temp_dir.h"

namespace ordo::events {
namespace {

using namespace std::chrono_literals;

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<store::TestDir>("ordo-hub");
    auto s = store::OpenSqlite({dir_->db()});
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override {
    store_.reset();
    dir_.reset();
  }

  // Commits one event per order id given.
  void Append(const std::vector<std::string>& order_ids) {
    auto tx = store_->BeginWrite();
    ASSERT_TRUE(tx.ok());
    for (const auto& id : order_ids) {
      store::StoredEvent e{0, "order.created", id, "{}", 1, "c", "k"};
      ASSERT_TRUE((*tx)->AppendEvent(e).ok());
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  // Collects what a subscriber receives (thread-safe).
  struct Inbox {
    std::mutex mu;
    std::vector<std::int64_t> seqs;
    int heartbeats = 0;
    bool accept = true;
    Deliver Sink() {
      return [this](const store::StoredEvent* e) {
        std::lock_guard lock(mu);
        if (!accept) return false;
        if (e) seqs.push_back(e->seq);
        else ++heartbeats;
        return true;
      };
    }
    std::vector<std::int64_t> Wait(std::size_t n) {
      for (int i = 0; i < 300; ++i) {
        {
          std::lock_guard lock(mu);
          if (seqs.size() >= n) return seqs;
        }
        std::this_thread::sleep_for(10ms);
      }
      std::lock_guard lock(mu);
      return seqs;
    }
  };

  std::unique_ptr<store::TestDir> dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(HubTest, LiveSubscriberGetsOnlyNewEventsInOrder) {
  Append({"ord_a", "ord_b"});  // before the hub starts: not live
  Hub hub(*store_, {std::chrono::milliseconds(5000), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox all;
  hub.Subscribe("", std::nullopt, all.Sink());
  std::this_thread::sleep_for(50ms);
  Append({"ord_c", "ord_d", "ord_e"});
  hub.Notify();
  EXPECT_EQ(all.Wait(3), (std::vector<std::int64_t>{3, 4, 5}));
  Append({"ord_f"});
  hub.Notify();
  EXPECT_EQ(all.Wait(4), (std::vector<std::int64_t>{3, 4, 5, 6}));
  EXPECT_EQ(hub.last_seq(), 6);
}

TEST_F(HubTest, OnCommitHearsEveryNotifyEvenWithNobodySubscribed) {
  Hub hub(*store_, {std::chrono::milliseconds(5000), std::chrono::milliseconds(60000)});
  std::atomic<int> woken{0};
  hub.OnCommit([&] { ++woken; });
  ASSERT_TRUE(hub.Start().ok());
  hub.Notify();
  hub.Notify();
  EXPECT_EQ(woken.load(), 2);
  EXPECT_EQ(hub.subscribers(), 0u);
}

TEST_F(HubTest, PollingFindsCommitsNobodyAnnounced) {
  Hub hub(*store_, {std::chrono::milliseconds(20), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox all;
  hub.Subscribe("", std::nullopt, all.Sink());
  std::this_thread::sleep_for(50ms);
  Append({"ord_a"});  // no Notify: another writer, as seen without a change feed
  EXPECT_EQ(all.Wait(1), (std::vector<std::int64_t>{1}));
}

TEST_F(HubTest, OrderStreamReplaysTheTimelineThenFollowsThatOrderOnly) {
  Append({"ord_a", "ord_b", "ord_a"});
  Hub hub(*store_, {std::chrono::milliseconds(5000), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox a;
  hub.Subscribe("ord_a", std::nullopt, a.Sink());
  EXPECT_EQ(a.Wait(2), (std::vector<std::int64_t>{1, 3}));
  Append({"ord_b", "ord_a"});
  hub.Notify();
  EXPECT_EQ(a.Wait(3), (std::vector<std::int64_t>{1, 3, 5}));
  std::this_thread::sleep_for(100ms);
  std::lock_guard lock(a.mu);
  EXPECT_EQ(a.seqs.size(), 3u) << "an event of another order leaked in";
}

TEST_F(HubTest, ResumingAfterALastEventIdMissesNothingAndRepeatsNothing) {
  Append({"ord_a", "ord_b", "ord_c", "ord_d"});
  Hub hub(*store_, {std::chrono::milliseconds(5000), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox resumed;
  hub.Subscribe("", 2, resumed.Sink());
  EXPECT_EQ(resumed.Wait(2), (std::vector<std::int64_t>{3, 4}));
  Append({"ord_e"});
  hub.Notify();
  EXPECT_EQ(resumed.Wait(3), (std::vector<std::int64_t>{3, 4, 5}));
}

TEST_F(HubTest, WithNobodyListeningTheHubDoesNotReadButTheNextSubscriberMissesNothing) {
  Hub hub(*store_, {std::chrono::milliseconds(10), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Append({"ord_a", "ord_b"});
  hub.Notify();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(hub.last_seq(), 0) << "the log was read with no subscriber";
  Inbox live;
  hub.Subscribe("", std::nullopt, live.Sink());  // from now on: after event 2
  Append({"ord_c"});
  hub.Notify();
  EXPECT_EQ(live.Wait(1), (std::vector<std::int64_t>{3}));
  std::this_thread::sleep_for(100ms);
  std::lock_guard lock(live.mu);
  EXPECT_EQ(live.seqs.size(), 1u) << "an event from before the subscription was delivered";
}

TEST_F(HubTest, ASubscriberThatRefusesIsDropped) {
  Hub hub(*store_, {std::chrono::milliseconds(5000), std::chrono::milliseconds(60000)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox gone, stays;
  hub.Subscribe("", std::nullopt, gone.Sink());
  hub.Subscribe("", std::nullopt, stays.Sink());
  EXPECT_EQ(hub.subscribers(), 2u);
  {
    std::lock_guard lock(gone.mu);
    gone.accept = false;
  }
  std::this_thread::sleep_for(50ms);
  Append({"ord_a"});
  hub.Notify();
  EXPECT_EQ(stays.Wait(1), (std::vector<std::int64_t>{1}));
  for (int i = 0; i < 100 && hub.subscribers() != 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hub.subscribers(), 1u);
}

TEST_F(HubTest, IdleSubscribersGetHeartbeats) {
  Hub hub(*store_, {std::chrono::milliseconds(10), std::chrono::milliseconds(30)});
  ASSERT_TRUE(hub.Start().ok());
  Inbox idle;
  hub.Subscribe("", std::nullopt, idle.Sink());
  std::this_thread::sleep_for(200ms);
  std::lock_guard lock(idle.mu);
  EXPECT_GE(idle.heartbeats, 2);
  EXPECT_TRUE(idle.seqs.empty());
}

// With nobody subscribed, the hub's thread sleeps between polls, also once a
// heartbeat has come due (it once spun on a deadline in the past, burning a
// core on every idle server).
TEST_F(HubTest, WithNobodySubscribedTheHubSleepsPastTheHeartbeat) {
  Hub hub(*store_, {std::chrono::milliseconds(200), std::chrono::milliseconds(20)});
  ASSERT_TRUE(hub.Start().ok());
  std::this_thread::sleep_for(600ms);
  EXPECT_LE(hub.wakeups(), 20u) << "the hub woke " << hub.wakeups() << " times in 0.6 s with nobody listening";
  EXPECT_GE(hub.wakeups(), 2u);  // the polls
}

}  // namespace
}  // namespace ordo::events

// The SQLite adapter's background checkpoints keep the WAL bounded while the
// writer commits without pause: the WAL must restart from its beginning now
// and then, which needs a write transaction that starts when every frame has
// been copied into the database.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace ordo::store {
namespace {

TEST(SqliteCheckpoints, WalStaysBoundedUnderContinuousWrites) {
  auto dir = std::filesystem::temp_directory_path() / ("ordo-checkpoint-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "ordo.db").string();
  constexpr int kCheckpointFrames = 100;
  constexpr std::uintmax_t kFrameBytes = 4096 + 24;
  {
    auto store = OpenSqlite({path, 8, kCheckpointFrames});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Migrate().ok());
    // Each transaction rewrites 10 products of about a page each: some 10+
    // frames per commit, 4,000+ frames in all, with no pause between commits.
    const std::string attributes = "{\"blob\":\"" + std::string(3000, 'x') + "\"}";
    for (int tx = 0; tx < 400; ++tx) {
      auto w = (*store)->BeginWrite();
      ASSERT_TRUE(w.ok());
      for (int i = 0; i < 10; ++i) {
        domain::Product p{"SKU-" + std::to_string((tx * 10 + i) % 500), "P", {100, "EUR"}, "", attributes, tx};
        ASSERT_TRUE((*w)->PutProduct(p).ok());
      }
      ASSERT_TRUE((*w)->Commit().ok());
    }
    // The WAL file keeps the largest size it ever reached.
    auto wal = std::filesystem::file_size(path + "-wal");
    EXPECT_LT(wal, 1500 * kFrameBytes) << "the WAL did not restart: " << wal / kFrameBytes << " frames";
    auto view = (*store)->Read();
    ASSERT_TRUE(view.ok());
    auto p = (*view)->GetProduct("SKU-499");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(p->has_value());
    EXPECT_EQ((*p)->updated_at, 399);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ordo::store

// SQLite schema migrations: a database created by an earlier version is
// brought up to date with its rows intact, and the rewritten constraints
// decide exactly as before.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "store/codec.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace ordo::store {
namespace {

class RawDb {
 public:
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~RawDb() { sqlite3_close(db_); }
  // SQLITE_OK or the error code of the first failing statement.
  int Exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  // Column `column` of every row, one per line.
  std::string Text(const std::string& sql, int column = 0) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return "prepare failed";
    while (sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(s, column);
      if (!out.empty()) out += "\n";
      out += t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteMigrations : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ordo-migrations-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ordo.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A database as version 1 left it, with one pending and one released reservation.
  void CreateVersion1() {
    RawDb db(path_);
    ASSERT_EQ(db.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
                      "INSERT INTO schema_migrations VALUES (1, 0);"),
              SQLITE_OK);
    ASSERT_EQ(db.Exec(sqlite::kMigrations[0].sql), SQLITE_OK);
    ASSERT_EQ(db.Exec("INSERT INTO reservations VALUES ('res_1', 'ord_1', 'loc', 'SKU-1', 2, 'pending', 10, 20, 0);"
                      "INSERT INTO reservations VALUES ('res_2', 'ord_1', 'loc', 'SKU-2', 1, 'released', 10, 20, 15);"),
              SQLITE_OK);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteMigrations, LatestVersionIsTheLastStep) {
  auto store = OpenSqlite({path_});
  ASSERT_TRUE(store.ok());
  auto version = (*store)->Migrate();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, sqlite::kMigrations.back().version);
  auto again = (*store)->Migrate();  // idempotent
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *version);
}

TEST_F(SqliteMigrations, Step2KeepsReservationsAndTheirIndexes) {
  CreateVersion1();
  {
    auto store = OpenSqlite({path_});
    ASSERT_TRUE(store.ok());
    auto version = (*store)->Migrate();
    ASSERT_TRUE(version.ok()) << version.error().message;
    EXPECT_GE(*version, 2);
    auto view = (*store)->Read();
    ASSERT_TRUE(view.ok());
    auto rows = (*view)->ListReservations("ord_1", "");
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].id, "res_1");
    EXPECT_EQ((*rows)[0].state, domain::ReservationState::kPending);
    EXPECT_EQ((*rows)[1].id, "res_2");
    EXPECT_EQ((*rows)[1].resolved_at, 15);
    auto due = (*view)->OrdersWithExpiredReservations(100, 10);
    ASSERT_TRUE(due.ok());
    EXPECT_EQ(*due, std::vector<std::string>{"ord_1"});
  }
  RawDb db(path_);
  EXPECT_EQ(db.Text("SELECT name FROM sqlite_master WHERE tbl_name = 'reservations' AND type = 'index'"
                    " AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"),
            "reservations_order\nreservations_pending_expiry");
  EXPECT_EQ(db.Text("SELECT count(*) FROM sqlite_master WHERE name = 'reservations_v2'"), "0");
}

TEST_F(SqliteMigrations, ReservationStateCheckStillRejectsUnknownStates) {
  {
    auto store = OpenSqlite({path_});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Migrate().ok());
  }
  RawDb db(path_);
  for (const char* state : {"pending", "committed", "released", "expired"}) {
    std::string resolved = std::string(state) == "pending" ? "0" : "5";
    EXPECT_EQ(db.Exec(std::string("INSERT INTO reservations VALUES ('res_") + state + "', 'o', 'l', 's', 1, '" + state +
                      "', 1, 2, " + resolved + ")"),
              SQLITE_OK)
        << state;
  }
  EXPECT_EQ(db.Exec("INSERT INTO reservations VALUES ('res_x', 'o', 'l', 's', 1, 'lost', 1, 2, 5)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(db.Exec("INSERT INTO reservations VALUES ('res_y', 'o', 'l', 's', 1, 'Pending', 1, 2, 0)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(db.Exec("UPDATE reservations SET state = 'gone' WHERE id = 'res_released'"), SQLITE_CONSTRAINT);
  EXPECT_EQ(db.Exec("INSERT INTO reservations VALUES ('res_z', 'o', 'l', 's', 0, 'pending', 1, 2, 0)"), SQLITE_CONSTRAINT);
  EXPECT_EQ(db.Exec("INSERT INTO reservations VALUES ('res_w', 'o', 'l', 's', 1, 'pending', 1, 2, 9)"), SQLITE_CONSTRAINT);
}

TEST_F(SqliteMigrations, Step3DropsTheUnusedStatusIndexAndStatusFiltersStillWork) {
  CreateVersion1();
  {
    RawDb db(path_);
    ASSERT_EQ(db.Exec("INSERT INTO orders VALUES ('ord_1', '', '', '', 'EUR', 'pending', 0, 1, 1, 2, 1, '{}');"
                      "INSERT INTO orders VALUES ('ord_2', '', '', '', 'EUR', 'cancelled', 0, 1, 1, 2, 1, '{}');"),
              SQLITE_OK);
  }
  {
    auto store = OpenSqlite({path_});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Migrate().ok());
  }
  RawDb db(path_);
  EXPECT_EQ(db.Text("SELECT count(*) FROM sqlite_master WHERE name = 'orders_status'"), "0");
  EXPECT_EQ(db.Text("SELECT id FROM orders WHERE ('cancelled' = '' OR status = 'cancelled') ORDER BY id DESC"), "ord_2");
}

// Step 7 copies each order's WMS sync state out of its body, and the list's
// filters find orders by it and by external id through their partial indexes.
TEST_F(SqliteMigrations, Step7FillsTheWmsStateAndTheFiltersUseTheirIndexes) {
  CreateVersion1();
  {
    RawDb db(path_);
    domain::Order o;  // a body as the codec writes it (no quotes to escape in it)
    o.wms.state = "failed";
    const std::string failed = EncodeOrderBody(o);
    o.wms.state = "none";
    const std::string none = EncodeOrderBody(o);
    ASSERT_EQ(db.Exec("INSERT INTO orders VALUES ('ord_1', 'ERP-1', 'erp', '', 'EUR', 'confirmed', 0, 1, 1, 2, 1, '" +
                      failed + "');INSERT INTO orders VALUES ('ord_2', '', '', '', 'EUR', 'pending', 0, 1, 1, 2, 1, '" +
                      none + "');"),
              SQLITE_OK);
  }
  {
    auto store = OpenSqlite({path_});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Migrate().ok());
    auto view = (*store)->Read();
    ASSERT_TRUE(view.ok());
    OrderFilter failed;
    failed.wms_state = "failed";
    auto page = (*view)->ListOrders(failed);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].id, "ord_1");
    OrderFilter none;
    none.wms_state = "none";
    page = (*view)->ListOrders(none);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].id, "ord_2");
  }
  RawDb db(path_);
  EXPECT_EQ(db.Text("SELECT id || ':' || wms_state FROM orders ORDER BY id"), "ord_1:failed\nord_2:none");
  EXPECT_NE(db.Text("EXPLAIN QUERY PLAN SELECT id FROM orders WHERE external_id = 'x' AND external_id <> ''"
                    " ORDER BY id DESC", 3).find("orders_external"), std::string::npos);
  EXPECT_NE(db.Text("EXPLAIN QUERY PLAN SELECT id FROM orders WHERE wms_state = 'failed' AND wms_state <> 'none'"
                    " ORDER BY id DESC", 3).find("orders_wms_state"), std::string::npos);
}

// The reason for step 2: inserting a reservation builds no temporary B-tree.
TEST_F(SqliteMigrations, ReservationInsertNeedsNoTemporaryTable) {
  {
    auto store = OpenSqlite({path_});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Migrate().ok());
  }
  RawDb db(path_);
  std::string program =
      db.Text("EXPLAIN INSERT INTO reservations VALUES ('r', 'o', 'l', 's', 1, 'pending', 1, 2, 0)", 1);
  ASSERT_NE(program.find("Insert"), std::string::npos) << program;  // column 1 is the opcode
  EXPECT_EQ(program.find("OpenEphemeral"), std::string::npos) << program;
}

}  // namespace
}  // namespace ordo::store

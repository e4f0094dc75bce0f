// The embedded adapter: one SQLite file in WAL mode with synchronous=FULL. One
// writer connection (the sequencer's) and a pool of read connections.
//
// Pipelined sync (the default): COMMIT writes the batch to the WAL and returns
// without waiting for the disk; a thread of the store then syncs the WAL
// (fdatasync), one sync for every commit made meanwhile (a second sync starts
// for the commits made during one), while the writer
// already applies the next batch. Store::AfterDurable tells the engine when a
// batch is on disk, and only then are its replies sent. Read views wait, at
// their first row, until every commit they might see is on disk, so nothing
// read can be lost by a crash either. Off, Commit returns after the sync.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace ordo::store {

struct SqliteOptions {
  std::string path;          // database file; ":memory:" is refused (readers need the file)
  int read_pool_max_idle = 8;
  bool pipelined_sync = true;
  // Syncs that may be under way at once (pipelined sync): with two, a commit
  // that ends during a sync need not wait for it to finish before its own.
  int sync_threads = 2;
  // Tests: runs on the sync thread before each sync of the WAL.
  std::function<void()> before_sync;
};

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);

}  // namespace ordo::store

// The embedded adapter: one SQLite file in WAL mode with synchronous=FULL, so a
// commit is on disk when Commit() returns. One writer connection (the
// sequencer's) and a pool of read connections.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace ordo::store {

struct SqliteOptions {
  std::string path;          // database file; ":memory:" is refused (readers need the file)
  int read_pool_max_idle = 8;
};

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);

}  // namespace ordo::store

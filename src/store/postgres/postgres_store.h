// The scale-out adapter: PostgreSQL through libpq. One writer connection (the
// node's sequencer) and a pool of read connections; several nodes may write to
// one database at once. Commits are durable (synchronous_commit = on).
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace ordo::store {

struct PostgresOptions {
  // A libpq connection string: "host=… port=… dbname=… user=…" or a
  // postgresql:// URI. May hold a password; it never appears in Describe().
  std::string conninfo;
  int read_pool_max_idle = 8;
};

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options);

}  // namespace ordo::store

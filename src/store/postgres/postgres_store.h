// The scale-out adapter: PostgreSQL through libpq. One writer connection (the
// node's sequencer) and a pool of read connections; several nodes may write to
// one database at once.
//
// Pipelined sync (the default): a batch commits with synchronous_commit = off,
// which frees the rows it locked before the WAL flush, and a second
// transaction in the same round trip flushes the WAL past it (a synchronous
// commit); Commit returns after that, so a batch is durable before its replies
// leave. Other nodes may see the batch during the flush; their own commits come
// later in the WAL, so a crash loses them with it, and every read waits until
// the WAL is flushed past what it saw. Off, each COMMIT waits for its flush.
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
  bool pipelined_sync = true;
};

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options);

}  // namespace ordo::store

// Versioned schema migrations for PostgreSQL. Append only: never edit a released step.
//
// The same tables, CHECK constraints and indexes as SQLite's (sqlite/migrations.h),
// in PostgreSQL types. Keys and every column that is sorted or compared by
// range use COLLATE "C": byte order, as in SQLite and in the engine's
// std::map, whatever the database's locale. That keeps pagination and the
// global stock lock order (sku, location_id) identical on both adapters.
//
// Added for several writers: event_seq, the one-row counter that hands out the
// gap-free event sequence inside each transaction (a SEQUENCE would leave gaps).
#pragma once

#include <array>

namespace ordo::store::postgres {

struct Migration {
  int version;
  const char* sql;
};

inline constexpr std::array<Migration, 7> kMigrations = {{
    {1, R"sql(
CREATE TABLE products (
  sku         TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
  currency    TEXT NOT NULL CHECK (length(currency) = 3),
  hs_code     TEXT NOT NULL DEFAULT '',
  attributes  TEXT NOT NULL DEFAULT '{}',
  updated_at  BIGINT NOT NULL
);

CREATE TABLE locations (
  id         TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('warehouse', 'store')),
  lat        DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng        DOUBLE PRECISION NOT NULL CHECK (lng BETWEEN -180 AND 180),
  active     BOOLEAN NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE stock (
  sku         TEXT COLLATE "C" NOT NULL REFERENCES products (sku),
  location_id TEXT COLLATE "C" NOT NULL REFERENCES locations (id),
  on_hand     BIGINT NOT NULL,
  reserved    BIGINT NOT NULL,
  version     BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (sku, location_id),
  CHECK (reserved >= 0 AND reserved <= on_hand)
);

CREATE TABLE orders (
  id          TEXT COLLATE "C" PRIMARY KEY,
  external_id TEXT NOT NULL,
  channel     TEXT NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  currency    TEXT NOT NULL,
  status      TEXT COLLATE "C" NOT NULL,
  total_minor BIGINT NOT NULL CHECK (total_minor >= 0),
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  version     BIGINT NOT NULL,
  body        JSONB NOT NULL
);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_customer ON orders (customer_id, id) WHERE customer_id <> '';

CREATE TABLE reservations (
  id          TEXT COLLATE "C" PRIMARY KEY,
  order_id    TEXT COLLATE "C" NOT NULL,
  location_id TEXT COLLATE "C" NOT NULL,
  sku         TEXT COLLATE "C" NOT NULL,
  quantity    BIGINT NOT NULL CHECK (quantity > 0),
  state       TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'released', 'expired')),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  resolved_at BIGINT NOT NULL,
  CHECK ((state = 'pending') = (resolved_at = 0))
);
CREATE INDEX reservations_order ON reservations (order_id);
CREATE INDEX reservations_pending_expiry ON reservations (expires_at) WHERE state = 'pending';

CREATE TABLE events (
  seq            BIGINT PRIMARY KEY CHECK (seq > 0),
  type           TEXT NOT NULL,
  order_id       TEXT COLLATE "C" NOT NULL,
  data           TEXT NOT NULL,
  time           BIGINT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id   TEXT NOT NULL
);
CREATE INDEX events_order ON events (order_id, seq) WHERE order_id <> '';

-- The last event sequence number handed out. Writers take it with
-- UPDATE ... RETURNING inside their transaction: the row lock orders them, and
-- a rollback gives the numbers back.
CREATE TABLE event_seq (
  id   SMALLINT PRIMARY KEY CHECK (id = 1),
  last BIGINT NOT NULL CHECK (last >= 0)
);
INSERT INTO event_seq (id, last) VALUES (1, 0);

CREATE TABLE idempotency (
  principal    TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  request_hash TEXT NOT NULL,
  status       SMALLINT NOT NULL,
  body         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);
)sql"},
    // 2: the order lifecycle: durable jobs, their attempts, configuration documents.
    {2, R"sql(
CREATE TABLE jobs (
  id           TEXT COLLATE "C" PRIMARY KEY,
  kind         TEXT COLLATE "C" NOT NULL,
  order_id     TEXT COLLATE "C" NOT NULL,
  step         TEXT COLLATE "C" NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
  attempts     INTEGER NOT NULL CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at       BIGINT NOT NULL,
  lease_until  BIGINT NOT NULL,
  owner        TEXT NOT NULL,
  payload      TEXT NOT NULL,
  last_error   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  UNIQUE (order_id, step)
);
CREATE INDEX jobs_queued ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (state, id);

CREATE TABLE job_attempts (
  job_id      TEXT COLLATE "C" NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  outcome     TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error       TEXT NOT NULL,
  PRIMARY KEY (job_id, attempt, finished_at)
);

CREATE TABLE config (
  name       TEXT COLLATE "C" PRIMARY KEY,
  version    BIGINT NOT NULL CHECK (version >= 1),
  body       TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql"},
    // 3: the ERP and WMS integration: other systems' identifiers, each recorded
    // once (sqlite/migrations.h, step 5).
    {3, R"sql(
CREATE TABLE external_refs (
  scope      TEXT COLLATE "C" NOT NULL,
  ref        TEXT COLLATE "C" NOT NULL,
  order_id   TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, ref)
);
)sql"},
    // 4: reconciliation reports (sqlite/migrations.h, step 6).
    {4, R"sql(
CREATE TABLE reconciliations (
  id          TEXT COLLATE "C" PRIMARY KEY,
  started_at  BIGINT NOT NULL,
  finished_at BIGINT NOT NULL CHECK (finished_at >= started_at),
  summary     TEXT NOT NULL,
  body        TEXT NOT NULL
);
)sql"},
    // 5: the order list's filters (sqlite/migrations.h, step 7).
    {5, R"sql(
ALTER TABLE orders ADD COLUMN wms_state TEXT COLLATE "C" NOT NULL DEFAULT 'none';
UPDATE orders SET wms_state = coalesce(body->'wms'->>'state', 'none') WHERE body ? 'wms';
CREATE INDEX orders_external ON orders (external_id, id) WHERE external_id <> '';
CREATE INDEX orders_wms_state ON orders (wms_state, id) WHERE wms_state <> 'none';
)sql"},
    // 6: the order body as json, not jsonb. Ordo writes the body whole and
    // reads it whole (store/codec.h); nothing queries inside it on the hot
    // path. jsonb parses every body into its binary form on the way in and
    // prints it back out on the way out: 43 % of the cost of inserting an
    // order row, measured (13,471 demo orders: 9.7 us a row as jsonb, 5.4 as
    // json). json only checks the syntax. The step rewrites the table once.
    {6, R"sql(
ALTER TABLE orders ALTER COLUMN body TYPE json USING body::json;
)sql"},
    // 7: the catalogue's change count. Each node keeps the products, the
    // locations, the batch configuration and which stock rows exist between
    // batches (RowCache in postgres_store.cpp), and checks this count before
    // it commits a batch decided on them. Any change to those tables, and a
    // stock row created or deleted (not one whose amounts change), bumps it
    // as it commits: a deferred trigger runs at COMMIT, so the count moves
    // with the change (never visible before it) and its row lock is the last
    // a transaction takes. TRUNCATE has no row trigger; it bumps the count at
    // once.
    {7, R"sql(
CREATE TABLE catalogue_epoch (
  id INT PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO catalogue_epoch VALUES (1, 0);
CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE catalogue_epoch SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER products_changed AFTER INSERT OR UPDATE OR DELETE ON products
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_changed();
CREATE CONSTRAINT TRIGGER locations_changed AFTER INSERT OR UPDATE OR DELETE ON locations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_changed();
CREATE CONSTRAINT TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON config
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_changed();
CREATE CONSTRAINT TRIGGER stock_rows_changed AFTER INSERT OR DELETE ON stock
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER products_truncated AFTER TRUNCATE ON products FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER locations_truncated AFTER TRUNCATE ON locations FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER config_truncated AFTER TRUNCATE ON config FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER stock_truncated AFTER TRUNCATE ON stock FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
)sql"},
}};

}  // namespace ordo::store::postgres

// Versioned schema migrations for SQLite. Append only: never edit a released step.
#pragma once

#include <array>

namespace ordo::store::sqlite {

struct Migration {
  int version;
  const char* sql;
};

inline constexpr std::array<Migration, 7> kMigrations = {{
    {1, R"sql(
CREATE TABLE products (
  sku         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
  currency    TEXT NOT NULL CHECK (length(currency) = 3),
  hs_code     TEXT NOT NULL DEFAULT '',
  attributes  TEXT NOT NULL DEFAULT '{}',
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE locations (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('warehouse', 'store')),
  lat        REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng        REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
  active     INTEGER NOT NULL CHECK (active IN (0, 1)),
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE stock (
  sku         TEXT NOT NULL REFERENCES products (sku),
  location_id TEXT NOT NULL REFERENCES locations (id),
  on_hand     INTEGER NOT NULL,
  reserved    INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (sku, location_id),
  CHECK (reserved >= 0 AND reserved <= on_hand)
) WITHOUT ROWID;

CREATE TABLE orders (
  id          TEXT PRIMARY KEY,
  external_id TEXT NOT NULL,
  channel     TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  currency    TEXT NOT NULL,
  status      TEXT NOT NULL,
  total_minor INTEGER NOT NULL CHECK (total_minor >= 0),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_customer ON orders (customer_id, id) WHERE customer_id <> '';

CREATE TABLE reservations (
  id          TEXT PRIMARY KEY,
  order_id    TEXT NOT NULL,
  location_id TEXT NOT NULL,
  sku         TEXT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  state       TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'released', 'expired')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  resolved_at INTEGER NOT NULL,
  CHECK ((state = 'pending') = (resolved_at = 0))
) WITHOUT ROWID;
CREATE INDEX reservations_order ON reservations (order_id);
CREATE INDEX reservations_pending_expiry ON reservations (expires_at) WHERE state = 'pending';

CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,
  type           TEXT NOT NULL,
  order_id       TEXT NOT NULL,
  data           TEXT NOT NULL,
  time           INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id   TEXT NOT NULL
);
CREATE INDEX events_order ON events (order_id, seq) WHERE order_id <> '';

CREATE TABLE idempotency (
  principal    TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);
)sql"},
    // 2: the same reservations table, with the state CHECK written as
    // comparisons. SQLite evaluates `state IN (four constants)` by building a
    // temporary B-tree on every INSERT and UPDATE of a row (OpenEphemeral);
    // the comparisons decide the same thing without it. SQLite cannot alter a
    // CHECK, so the table is rebuilt with its rows and indexes.
    {2, R"sql(
CREATE TABLE reservations_v2 (
  id          TEXT PRIMARY KEY,
  order_id    TEXT NOT NULL,
  location_id TEXT NOT NULL,
  sku         TEXT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  state       TEXT NOT NULL CHECK (state = 'pending' OR state = 'committed' OR state = 'released' OR state = 'expired'),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  resolved_at INTEGER NOT NULL,
  CHECK ((state = 'pending') = (resolved_at = 0))
) WITHOUT ROWID;
INSERT INTO reservations_v2 (id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at)
  SELECT id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_v2 RENAME TO reservations;
CREATE INDEX reservations_order ON reservations (order_id);
CREATE INDEX reservations_pending_expiry ON reservations (expires_at) WHERE state = 'pending';
)sql"},
    // 3: orders_status is never used. ListOrders filters with
    // `(?1 = '' OR status = ?1) ... ORDER BY id DESC`, which SQLite plans as a
    // scan of the orders table in id order whether or not a status is given,
    // and nothing else reads orders by status. The index cost every order
    // insert and status change a B-tree write.
    {3, R"sql(
DROP INDEX orders_status;
)sql"},
    // 4: the order lifecycle. Durable jobs (calls to other systems, written
    // with the change that needs them), their attempts (the delivery log),
    // and versioned configuration documents (workflow, branding).
    {4, R"sql(
CREATE TABLE jobs (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  order_id     TEXT NOT NULL,
  step         TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state = 'queued' OR state = 'running' OR state = 'done' OR state = 'dead'),
  attempts     INTEGER NOT NULL CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at       INTEGER NOT NULL,
  lease_until  INTEGER NOT NULL,
  owner        TEXT NOT NULL,
  payload      TEXT NOT NULL,
  last_error   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (order_id, step)
) WITHOUT ROWID;
CREATE INDEX jobs_queued ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (state, id);

CREATE TABLE job_attempts (
  job_id      TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error       TEXT NOT NULL,
  PRIMARY KEY (job_id, attempt, finished_at)
) WITHOUT ROWID;

CREATE TABLE config (
  name       TEXT PRIMARY KEY,
  version    INTEGER NOT NULL CHECK (version >= 1),
  body       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // 5: the ERP and WMS integration. Other systems' identifiers, each
    // recorded once: an ERP's orders (scope "erp:<organization>", ref the ERP's
    // order id) and the WMS's callbacks (scope "wms-event", ref the event id).
    // The primary key is what makes a duplicate a duplicate.
    {5, R"sql(
CREATE TABLE external_refs (
  scope      TEXT NOT NULL,
  ref        TEXT NOT NULL,
  order_id   TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, ref)
) WITHOUT ROWID;
)sql"},
    // 6: reconciliation reports (src/reconcile), newest first by id.
    {6, R"sql(
CREATE TABLE reconciliations (
  id          TEXT PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER NOT NULL CHECK (finished_at >= started_at),
  summary     TEXT NOT NULL,
  body        TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    // 7: the order list's filters (GET /v1/orders): the WMS sync state as a
    // column (it lives in the body too), and indexes for the external id and
    // for the sync states worth finding. Both are partial, so orders placed
    // without an external id and never handed to a WMS cost nothing more.
    {7, R"sql(
ALTER TABLE orders ADD COLUMN wms_state TEXT NOT NULL DEFAULT 'none';
UPDATE orders SET wms_state = coalesce(json_extract(body, '$.wms.state'), 'none');
CREATE INDEX orders_external ON orders (external_id, id) WHERE external_id <> '';
CREATE INDEX orders_wms_state ON orders (wms_state, id) WHERE wms_state <> 'none';
)sql"},
}};

}  // namespace ordo::store::sqlite

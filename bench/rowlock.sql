-- The row-lock baseline of bench/postgres.sh: how the seed systems place an
-- order, one transaction per order, run by pgbench on Ordo's own tables.
--   1. lock the SKU's stock rows, ordered by key (SELECT ... FOR UPDATE)
--   2. the conditional UPDATE of the first location with the units available
--   3. the INSERTs: the order, its reservation and two events
-- Variables (pgbench -D): flash=1 puts every order on SKU-0001, else the SKU
-- is uniform over the 60 demo SKUs.
\set n random(1, 60)
\if :flash
\set n 1
\endif
BEGIN;
SELECT sku, location_id, on_hand, reserved FROM stock
  WHERE sku = 'SKU-' || lpad(:n::text, 4, '0') ORDER BY sku, location_id FOR UPDATE;
WITH s AS (
  UPDATE stock SET reserved = reserved + 1, version = version + 1, updated_at = 0
  WHERE sku = 'SKU-' || lpad(:n::text, 4, '0')
    AND location_id = (SELECT location_id FROM stock WHERE sku = 'SKU-' || lpad(:n::text, 4, '0')
                         AND on_hand - reserved >= 1 ORDER BY location_id LIMIT 1)
  RETURNING sku, location_id),
o AS (
  INSERT INTO orders (id, external_id, channel, customer_id, currency, status, total_minor, created_at,
                      updated_at, expires_at, version, body)
  SELECT 'pgb_' || nextval('pgb_ids'), '', 'pgbench', 'pgb-' || :client_id, 'EUR', 'pending', 1000, 0, 0,
         1800000, 1, jsonb_build_object('lines', jsonb_build_array(jsonb_build_object('sku', s.sku, 'quantity', 1)))
  FROM s RETURNING id),
r AS (
  INSERT INTO reservations (id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at)
  SELECT 'pgbr_' || o.id, o.id, s.location_id, s.sku, 1, 'pending', 0, 1800000, 0 FROM o, s RETURNING order_id)
INSERT INTO events (seq, type, order_id, data, time, correlation_id, causation_id)
  SELECT nextval('pgb_events'), v.t, r.order_id, '{}', 0, '', '' FROM r, (VALUES ('order.created'), ('reservation.created')) AS v (t);
COMMIT;

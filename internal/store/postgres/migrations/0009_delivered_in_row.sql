-- A delivery's successful attempt is kept in the delivery's row, written
-- by the one UPDATE that marks it delivered (decision 12); failed
-- attempts keep their delivery_attempts rows. delivered_at is 0 when the
-- row keeps none (not delivered yet, or delivered before this migration,
-- whose success is a delivery_attempts row).
ALTER TABLE deliveries ADD COLUMN delivered_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN delivered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN delivered_latency_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN delivered_excerpt TEXT NOT NULL DEFAULT '';

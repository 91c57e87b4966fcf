-- History sync reads the store in insertion order (src/network/sync, store.ts `scan`). A sequence alone is
-- not enough on PostgreSQL: values are taken before commit, so a reader could pass seq 7 while seq 6 is
-- still uncommitted and never see it. Rows are read in (xact, seq) order and only from transactions older
-- than every running one (pg_snapshot_xmin), which are final: any later row has a larger xact.
ALTER TABLE envelopes ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE envelopes ADD COLUMN seq bigserial;
CREATE INDEX envelopes_xact_seq ON envelopes (xact, seq);

-- A random id for this database, so nodes that share it know they do (history sync between them is
-- skipped: they already read the same rows; src/network/sync).
CREATE TABLE store_identity (id text PRIMARY KEY);
INSERT INTO store_identity (id) VALUES (gen_random_uuid()::text);

-- The process running the request that holds an idempotency key: once its heartbeat in
-- folio.replicas stops, a retry takes the key over without waiting for the lease to lapse.
ALTER TABLE idempotency_records ADD COLUMN owner_replica uuid;

-- What an invoice was created from, kept so that a crashed creation can be sent again exactly,
-- and what the provider last said about it.
ALTER TABLE invoices
    ADD COLUMN request jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN provider_status text,
    ADD COLUMN failure_code text,
    ADD COLUMN provider_request_id text,
    ADD COLUMN canceled_at timestamptz,
    ADD COLUMN synced_at timestamptz;

-- The panel's "invoices of this reservation", newest first.
DROP INDEX invoices_reservation;
CREATE INDEX invoices_reservation_created ON invoices (reservation_id, created_at DESC, id DESC);

-- Which invoice an idempotent request created, so that a retry after a crash resumes it.
ALTER TABLE idempotency_records
    ADD COLUMN resource_id uuid,
    ADD COLUMN locked_until timestamptz;

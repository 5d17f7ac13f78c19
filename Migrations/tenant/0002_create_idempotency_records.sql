-- The first response to each Idempotency-Key, replayed when the same request comes again.
CREATE TABLE idempotency_records (
    idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_fingerprint bytea NOT NULL,
    -- NULL while the first request is still in flight.
    response_status integer,
    response_body bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

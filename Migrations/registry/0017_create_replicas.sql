-- Every running Folio process, with the last time it proved to be alive. Work a process leased
-- (an idempotency key in flight) is taken over a few seconds after its heartbeat stops, instead
-- of waiting for the lease meant to outlast the slowest request.
CREATE TABLE replicas (
    id uuid PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

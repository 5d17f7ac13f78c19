-- The transactional outbox: every state change of an invoice or of a tenant's invoicing writes
-- its event here in the same transaction. The host platform reads the events as a feed and
-- receives them as webhooks.

-- Each tenant's events are numbered 1, 2, 3, … with no gap, in commit order: the counter's row
-- stays locked until the transaction that took a number ends, so a feed reader that has seen
-- number n has seen everything before it.
CREATE TABLE event_streams (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_sequence bigint NOT NULL
);

CREATE TABLE events (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sequence bigint NOT NULL,
    type text NOT NULL,
    invoice_id uuid,
    reservation_id text,
    -- Webhooks of one ordering key (the invoice, or the tenant for invoicing events) are
    -- delivered one at a time, in sequence.
    ordering_key uuid NOT NULL,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- pending: not delivered yet; delivered; dead: every attempt of the retry window failed.
    delivery text NOT NULL DEFAULT 'pending' CHECK (delivery IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The dispatcher replica holding the event, so that only it records the outcome.
    lease_token uuid,
    delivered_at timestamptz,
    last_error text,
    UNIQUE (tenant_id, sequence)
);

CREATE INDEX events_due ON events (next_attempt_at) WHERE delivery = 'pending';
CREATE INDEX events_pending_order ON events (tenant_id, ordering_key, sequence) WHERE delivery = 'pending';

-- One row per delivery attempt.
CREATE TABLE event_deliveries (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    http_status integer,
    error text,
    outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
    next_attempt_at timestamptz,
    PRIMARY KEY (event_id, attempt)
);

-- Every notification the provider posted, as received: the raw body (the bytes the signature
-- covers), the headers without secrets, and Folio's verdict. A body already accepted once is a
-- replay: it is recorded again, answered success, and changes nothing.
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    body bytea NOT NULL,
    body_sha256 bytea NOT NULL,
    headers jsonb NOT NULL,
    -- valid, invalid, missing, or unchecked (the tenant has no notification key).
    signature text NOT NULL CHECK (signature IN ('valid', 'invalid', 'missing', 'unchecked')),
    provider_order_id text,
    claimed_status text,
    invoice_id uuid,
    -- success, or the error code answered.
    verdict text NOT NULL,
    message text,
    -- Whether the provider's own read of the order was asked for and confirmed the claim.
    confirmed boolean,
    replay_of uuid
);

CREATE INDEX notifications_accepted_body ON notifications (body_sha256) WHERE verdict = 'success' AND replay_of IS NULL;
CREATE INDEX notifications_invoice ON notifications (invoice_id, received_at);

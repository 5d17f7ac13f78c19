-- Invoices of one tenant, one per reservation payment request. Money is in integer minor units.
CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    reservation_id text NOT NULL CHECK (length(reservation_id) BETWEEN 1 AND 128),
    status text NOT NULL CHECK (
        status IN ('pending', 'open', 'paid', 'canceled', 'expired', 'failed', 'refunded', 'partially_refunded')
    ),
    currency char(3) NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    vat_amount_minor bigint NOT NULL DEFAULT 0 CHECK (vat_amount_minor >= 0),
    refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
    description text NOT NULL,
    provider_order_id text UNIQUE,
    payment_url text,
    expires_at timestamptz,
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The panel lists newest first, optionally by status or by reservation.
CREATE INDEX invoices_created ON invoices (created_at DESC, id DESC);
CREATE INDEX invoices_status_created ON invoices (status, created_at DESC, id DESC);
CREATE INDEX invoices_reservation ON invoices (reservation_id);

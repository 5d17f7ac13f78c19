-- Refunds of paid invoices. Each has its own provider merchantOrderId: its id.
CREATE TABLE refunds (
    id uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    status text NOT NULL CHECK (status IN ('pending', 'created', 'completed', 'canceled', 'failed')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    vat_amount_minor bigint NOT NULL CHECK (vat_amount_minor >= 0),
    -- [{"sku", "amount", "vatAmount"}]: what each invoice line gives back.
    lines jsonb NOT NULL,
    description text NOT NULL,
    provider_refund_id text UNIQUE,
    failure_code text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refunds_invoice ON refunds (invoice_id, created_at);

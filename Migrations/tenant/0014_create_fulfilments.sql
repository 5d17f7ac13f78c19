-- Fulfilments: what the host reported rendered of a paid or held invoice, each recorded at the
-- provider as a shipment (which captures held funds). `document_number` is the shipment's
-- document number at the provider and finds it again after a lost answer.
CREATE TABLE fulfilments (
    id uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    status text NOT NULL CHECK (status IN ('pending', 'created', 'completed', 'canceled', 'failed')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    vat_amount_minor bigint NOT NULL CHECK (vat_amount_minor >= 0),
    -- [{"line", "sku", "quantity", "amount", "vatAmount"}]: what each invoice line rendered.
    lines jsonb NOT NULL,
    document_number text NOT NULL CHECK (char_length(document_number) BETWEEN 1 AND 36),
    document_date date,
    final boolean NOT NULL,
    provider_shipment_id text,
    failure_code text,
    -- While set and in the future, an attempt is sending it to the provider: no other may.
    sending_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fulfilments_invoice ON fulfilments (invoice_id, created_at);
-- A document number names one shipment of an invoice, so that a lost answer finds exactly it.
CREATE UNIQUE INDEX fulfilments_document ON fulfilments (invoice_id, document_number) WHERE status <> 'failed';


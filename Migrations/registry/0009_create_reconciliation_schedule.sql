-- Open invoices whose status Folio should re-read from the provider if no notification has
-- settled them by `due_at`: the notification is overdue, or the invoice is past its expiry.
-- A row is written when an invoice becomes open and deleted in the transaction that moves it on.
CREATE TABLE reconciliation_schedule (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    invoice_id uuid NOT NULL,
    due_at timestamptz NOT NULL,
    expires_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, invoice_id)
);

CREATE INDEX reconciliation_schedule_due ON reconciliation_schedule (due_at);

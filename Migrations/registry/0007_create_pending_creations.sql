-- Invoices and refunds committed as `pending` whose provider order may not exist yet, across all
-- tenants: the recovery job finishes each one (adopting the provider's order when it exists).
-- A row is written in the same transaction as the pending record and deleted in the one that
-- settles it, so a crash at any point leaves either both or neither.
CREATE TABLE pending_creations (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('invoice', 'refund')),
    due_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, resource_id)
);

CREATE INDEX pending_creations_due ON pending_creations (due_at);

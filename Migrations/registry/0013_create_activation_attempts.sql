-- Activation codes each tenant tried, so that codes cannot be guessed without limit. Rows older
-- than the limit's window are pruned when the tenant tries again.
CREATE TABLE activation_attempts (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL
);

CREATE INDEX activation_attempts_tenant ON activation_attempts (tenant_id, attempted_at);

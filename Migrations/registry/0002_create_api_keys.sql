-- API keys are stored only as SHA-256 hashes; the key itself is shown once when issued.
-- A key with no tenant is a platform key and reaches every tenant.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    key_hash bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    label text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_keys_tenant_id ON api_keys (tenant_id);

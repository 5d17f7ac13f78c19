-- Encrypted secrets of tenants (provider tokens, notification keys). Only ciphertext is stored:
-- the key-encryption keys live in configuration. Deleting a tenant deletes its records.
CREATE TABLE vault_secrets (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose ~ '^[a-z0-9._-]{1,64}$'),
    format_version smallint NOT NULL,
    kek_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    nonce bytea NOT NULL,
    ciphertext bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, purpose)
);

-- Rotation looks for records not yet under the active key.
CREATE INDEX vault_secrets_kek_id ON vault_secrets (kek_id);

-- Who stored, read, deleted or rewrapped which secret, and when; never the secret.
CREATE TABLE vault_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    purpose text NOT NULL,
    action text NOT NULL CHECK (action IN ('store', 'read', 'delete', 'rotate')),
    -- A request id, or the command that acted.
    actor text NOT NULL,
    kek_id text,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX vault_audit_tenant ON vault_audit (tenant_id, at);

CREATE FUNCTION vault_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'vault_audit is append-only';
END;
$$;

CREATE TRIGGER vault_audit_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON vault_audit
    FOR EACH STATEMENT EXECUTE FUNCTION vault_audit_refuse_change();

-- Deletions are audited by the database itself, so that records removed with their tenant
-- (ON DELETE CASCADE) are recorded too. The actor comes from the transaction's folio.actor.
CREATE FUNCTION vault_secrets_audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO folio.vault_audit (tenant_id, purpose, action, actor, kek_id)
    VALUES (OLD.tenant_id, OLD.purpose, 'delete', coalesce(nullif(current_setting('folio.actor', true), ''), 'unknown'), OLD.kek_id);
    RETURN OLD;
END;
$$;

CREATE TRIGGER vault_secrets_audit_delete
    AFTER DELETE ON vault_secrets
    FOR EACH ROW EXECUTE FUNCTION vault_secrets_audit_delete();

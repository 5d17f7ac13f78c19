-- Whether and how each tenant invoices through its payment provider ("Enable invoicing").
-- The token and the notification key are in vault_secrets, never here.
CREATE TABLE tenant_invoicing (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    state text NOT NULL CHECK (state IN ('invited', 'active')),
    invited_email text,
    invitation_id text,
    invited_at timestamptz,
    merchant_id text,
    api_prefix text NOT NULL DEFAULT 'v3' CHECK (api_prefix IN ('v3', 'l3')),
    -- At most the last four characters of the token, for people to recognise it.
    token_last_four text CHECK (length(token_last_four) <= 4),
    has_notification_key boolean NOT NULL DEFAULT false,
    activated_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'active' OR (merchant_id IS NOT NULL AND activated_at IS NOT NULL))
);

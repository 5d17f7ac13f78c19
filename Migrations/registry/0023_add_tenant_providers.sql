-- A tenant invoices through one provider. Fakturownia's shops are accounts: the merchant id is the
-- account's prefix, the base URL its own address, and Folio registers webhooks on it (their ids
-- kept here, their shared secret in the vault). A merchant id is unique within its provider.
ALTER TABLE tenant_invoicing ADD COLUMN provider text NOT NULL DEFAULT 'invoicebox' CHECK (provider IN ('invoicebox', 'fakturownia'));
ALTER TABLE tenant_invoicing DROP CONSTRAINT tenant_invoicing_api_prefix_check;
ALTER TABLE tenant_invoicing ADD CONSTRAINT tenant_invoicing_api_prefix_check CHECK (provider <> 'invoicebox' OR api_prefix IN ('v3', 'l3'));
ALTER TABLE tenant_invoicing ADD COLUMN webhook_ids bigint[] NOT NULL DEFAULT '{}';
-- Whether the account was opened with the partner's fast login, so the tenant can be sent into it.
ALTER TABLE tenant_invoicing ADD COLUMN fast_login boolean NOT NULL DEFAULT false;
DROP INDEX tenant_invoicing_active_merchant;
CREATE UNIQUE INDEX tenant_invoicing_active_merchant ON tenant_invoicing (provider, lower(merchant_id)) WHERE state = 'active';

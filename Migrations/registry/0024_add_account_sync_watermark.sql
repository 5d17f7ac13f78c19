-- How far Folio has read the documents of a tenant's ledger account (most recently changed first),
-- to catch up the webhooks the provider never delivered: the newest change a finished reading saw,
-- and when the account is next due to be read. While a replica reads it, the due time is that
-- replica's lease, so that no two replicas read one account at once.
ALTER TABLE tenant_invoicing ADD COLUMN account_synced_through timestamptz;
ALTER TABLE tenant_invoicing ADD COLUMN account_sync_due_at timestamptz;

-- The provider's base URL belongs to each shop, like its API prefix: it is recorded when the
-- shop is connected, so that changing the configured default later does not move old shops.
ALTER TABLE tenant_invoicing ADD COLUMN base_url text;

-- A shop is connected to one tenant at most: another tenant naming the same merchant id would
-- spend its provider quota and receive its notifications. Enforced here, so that two concurrent
-- connections of one merchant cannot both win.
CREATE UNIQUE INDEX tenant_invoicing_active_merchant ON tenant_invoicing (lower(merchant_id)) WHERE state = 'active';

-- A shop is connected to one tenant at most: another tenant naming the same merchant id would
-- spend its provider quota and receive its notifications. Enforced here, so that two concurrent
-- connections of one merchant cannot both win.
--
-- A database where one merchant is already active for several tenants cannot take the index:
-- the migration stops with the merchant and its tenants named, so that an operator disables the
-- wrong ones (`DELETE /v1/tenants/{id}/invoicing`) and runs `folio migrate` again.
DO $$
DECLARE
    conflict record;
BEGIN
    FOR conflict IN
        SELECT lower(merchant_id) AS merchant, string_agg(tenant_id::text, ', ' ORDER BY activated_at) AS tenants
        FROM tenant_invoicing WHERE state = 'active' AND merchant_id IS NOT NULL
        GROUP BY lower(merchant_id) HAVING count(*) > 1
        LIMIT 1
    LOOP
        RAISE EXCEPTION 'merchant % is active for several tenants (%); disable all but one, then migrate again',
            conflict.merchant, conflict.tenants;
    END LOOP;
END
$$;

CREATE UNIQUE INDEX tenant_invoicing_active_merchant ON tenant_invoicing (lower(merchant_id)) WHERE state = 'active';

-- When the tenant's last activation call got no answer: the provider may have turned the code
-- into a shop whose token never arrived, and a used code is not taken again. Only an invited
-- tenant can be in that state; connecting the shop (or activating after all) clears it.
ALTER TABLE tenant_invoicing
    ADD COLUMN activation_outcome_unknown_at timestamptz,
    ADD CONSTRAINT tenant_invoicing_activation_outcome_unknown
        CHECK (activation_outcome_unknown_at IS NULL OR state = 'invited');

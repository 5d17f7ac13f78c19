-- An edit of an open invoice is committed as pending before the provider's order is updated, and
-- stored (or dropped) in a second transaction: no transaction stays open across the provider's
-- call. `pending_edit_id` names the edit in `folio.pending_creations` and in the idempotency
-- record of the request that made it; `pending_request` is the whole edited request, sent again
-- as it is after a lost answer; `pending_amount_minor` is its total, which a payment notification
-- may already report; while `pending_edit_until` is in the future, an attempt is sending it.
ALTER TABLE invoices
    ADD COLUMN pending_edit_id uuid,
    ADD COLUMN pending_request jsonb,
    ADD COLUMN pending_amount_minor bigint,
    ADD COLUMN pending_edit_until timestamptz,
    ADD CONSTRAINT invoices_pending_edit_whole CHECK (
        (pending_edit_id IS NULL AND pending_request IS NULL AND pending_amount_minor IS NULL AND pending_edit_until IS NULL)
        OR (pending_edit_id IS NOT NULL AND pending_request IS NOT NULL AND pending_amount_minor IS NOT NULL AND pending_edit_until IS NOT NULL)
    );

CREATE UNIQUE INDEX invoices_pending_edit ON invoices (pending_edit_id) WHERE pending_edit_id IS NOT NULL;

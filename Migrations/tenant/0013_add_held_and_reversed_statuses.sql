-- Funds blocked on the guest's card (`held`) and a paid order the provider canceled (`reversed`).
ALTER TABLE invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_check CHECK (
    status IN ('pending', 'open', 'held', 'paid', 'canceled', 'expired', 'failed', 'refunded', 'partially_refunded', 'reversed')
);

-- Fulfilments committed as `pending` whose shipment may not exist yet are finished by the same
-- recovery job as invoices and refunds.
ALTER TABLE pending_creations DROP CONSTRAINT pending_creations_kind_check;
ALTER TABLE pending_creations ADD CONSTRAINT pending_creations_kind_check CHECK (kind IN ('invoice', 'refund', 'fulfilment'));

-- A paid proforma whose tax invoice is not issued yet (or whose issuing lost its answer) is
-- queued in the same transaction that records the payment, and finished by the recovery job.
ALTER TABLE pending_creations DROP CONSTRAINT pending_creations_kind_check;
ALTER TABLE pending_creations ADD CONSTRAINT pending_creations_kind_check CHECK (kind IN ('invoice', 'refund', 'fulfilment', 'edit', 'tax_invoice'));

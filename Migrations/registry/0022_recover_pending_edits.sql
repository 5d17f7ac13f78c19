-- Edits of open invoices whose provider update may have gone through without its answer are
-- finished by the same recovery job: the update sets fields, so sending it again is safe.
ALTER TABLE pending_creations DROP CONSTRAINT pending_creations_kind_check;
ALTER TABLE pending_creations ADD CONSTRAINT pending_creations_kind_check CHECK (kind IN ('invoice', 'refund', 'fulfilment', 'edit'));

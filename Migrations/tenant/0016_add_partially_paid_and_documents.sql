-- A ledger provider's invoice that is partly paid (`partially_paid`); the document's number and
-- public links as the provider gives them; and whether the invoice was made by the tenant inside
-- the provider's own application rather than through Folio (`provider`).
ALTER TABLE invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_check CHECK (
    status IN ('pending', 'open', 'held', 'partially_paid', 'paid', 'canceled', 'expired', 'failed', 'refunded', 'partially_refunded', 'reversed')
);
ALTER TABLE invoices ADD COLUMN document_number text;
ALTER TABLE invoices ADD COLUMN view_url text;
ALTER TABLE invoices ADD COLUMN pdf_url text;
ALTER TABLE invoices ADD COLUMN origin text NOT NULL DEFAULT 'folio' CHECK (origin IN ('folio', 'provider'));

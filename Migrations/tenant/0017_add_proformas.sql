-- An invoice may start as a proforma, a request for a prepayment that is no tax document; once it
-- is paid, the tax invoice is issued from it at the provider and kept beside it here.
ALTER TABLE invoices ADD COLUMN document_kind text NOT NULL DEFAULT 'invoice' CHECK (document_kind IN ('invoice', 'proforma'));
ALTER TABLE invoices ADD COLUMN tax_invoice_id text;
ALTER TABLE invoices ADD COLUMN tax_invoice_number text;
ALTER TABLE invoices ADD COLUMN tax_invoice_view_url text;
ALTER TABLE invoices ADD COLUMN tax_invoice_pdf_url text;

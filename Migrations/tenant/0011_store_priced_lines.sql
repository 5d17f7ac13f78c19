-- Each invoice's lines as they were priced, one array per field, so that reading an invoice
-- needs neither a JSON decoder nor pricing the stored request again. Invoices recorded before
-- this migration keep NULL here and are priced from their request when read.
ALTER TABLE invoices
    ADD COLUMN line_skus text[],
    ADD COLUMN line_names text[],
    ADD COLUMN line_quantities bigint[],
    ADD COLUMN line_unit_prices bigint[],
    ADD COLUMN line_amounts bigint[],
    ADD COLUMN line_vat_amounts bigint[],
    ADD COLUMN line_vat_codes text[];

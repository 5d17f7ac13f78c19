-- One invoice's status history, as the embeddable invoice component polls it from the event feed:
-- without this index each poll would read every event of the tenant.
CREATE INDEX events_by_invoice ON events (tenant_id, invoice_id, sequence) WHERE invoice_id IS NOT NULL;

-- Invoices already open when reconciliation arrived get their first look at once; invoices opened
-- later are scheduled when they open. The tenant id is the schema's name without its `t_`.
INSERT INTO folio.reconciliation_schedule (tenant_id, invoice_id, due_at, expires_at)
SELECT substring(current_schema() FROM 3)::uuid, id, now(), expires_at FROM invoices WHERE status = 'open'
ON CONFLICT DO NOTHING;

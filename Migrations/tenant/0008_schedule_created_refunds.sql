-- Refunds already accepted by the provider when polling arrived get their first look at once;
-- later ones are scheduled when the provider accepts them. The tenant id is the schema's name
-- without its `t_`.
INSERT INTO folio.refund_poll_schedule (tenant_id, refund_id, due_at)
SELECT substring(current_schema() FROM 3)::uuid, id, now() FROM refunds WHERE status = 'created'
ON CONFLICT DO NOTHING;

-- Refunds the provider accepted (`created`) whose final status, `completed` or `canceled`, Folio
-- has not learnt yet: the refund poller reads each from the provider, less and less often, until
-- it is final. A row is written in the transaction that moves a refund to `created` and deleted
-- in the one that moves it on.
CREATE TABLE refund_poll_schedule (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    refund_id uuid NOT NULL,
    due_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, refund_id)
);

CREATE INDEX refund_poll_schedule_due ON refund_poll_schedule (due_at);

-- The retention job deletes delivered events and delivery attempts older than the retention
-- period, oldest first, in bounded batches.
CREATE INDEX events_delivered_created ON events (created_at) WHERE delivery = 'delivered';
CREATE INDEX event_deliveries_started ON event_deliveries (started_at);

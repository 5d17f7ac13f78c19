-- Anyone may post to the notification endpoint: a body that fails the signature or the shop
-- check is kept as a bounded record (size, digest, verdict, source address), without its body
-- or headers. Rows older than the retention period are deleted by received_at.
ALTER TABLE notifications
    ALTER COLUMN body DROP NOT NULL,
    ALTER COLUMN headers DROP NOT NULL,
    ADD COLUMN body_size integer,
    ADD COLUMN source_address text;

CREATE INDEX notifications_received ON notifications (received_at);

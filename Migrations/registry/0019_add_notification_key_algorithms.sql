-- The hash of the HMAC the shop chose for its notification signatures in the provider's cabinet
-- (NULL for a key stored before the choice existed: HMAC-SHA1), and, while a rotated key's grace
-- period runs, the previous key's algorithm and until when it still verifies. The previous key
-- itself is sealed in vault_secrets under a purpose of its own, never here.
ALTER TABLE tenant_invoicing
    ADD COLUMN notification_key_algorithm text CHECK (notification_key_algorithm IN ('sha1', 'sha256', 'sha512')),
    ADD COLUMN previous_notification_key_algorithm text CHECK (previous_notification_key_algorithm IN ('sha1', 'sha256', 'sha512')),
    ADD COLUMN previous_notification_key_valid_until timestamptz,
    ADD CONSTRAINT tenant_invoicing_previous_notification_key
        CHECK ((previous_notification_key_algorithm IS NULL) = (previous_notification_key_valid_until IS NULL));

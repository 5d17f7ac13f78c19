-- A check value per key-encryption key id: HMAC-SHA256 of a fixed label under the key, recorded
-- the first time a key id is configured. A later start whose key has the same id but other bytes
-- is refused before it can seal anything under it. The value reveals nothing of the key.
CREATE TABLE vault_key_checks (
    kek_id text PRIMARY KEY CHECK (kek_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    check_value bytea NOT NULL CHECK (length(check_value) = 32),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

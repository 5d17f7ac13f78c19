-- A key's last use is recorded at most once an hour, so that authenticating stays a read and not
-- a write per request. A revoked key keeps its row, so that its metadata stays visible; it no
-- longer authenticates.
ALTER TABLE api_keys
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN revoked_at timestamptz;

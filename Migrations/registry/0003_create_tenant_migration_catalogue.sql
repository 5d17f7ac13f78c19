-- The tenant migration files as first seen, with their checksums: an edited tenant file is
-- refused even when every tenant schema is already up to date.
CREATE TABLE tenant_migration_catalogue (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

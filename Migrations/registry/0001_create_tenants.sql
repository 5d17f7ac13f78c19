-- One row per host user registered with Folio; the tenant's data lives in schema_name.
CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    -- Orders the list and backs its cursor: unlike timestamps it is exact and never ties.
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    external_id text NOT NULL UNIQUE,
    display_name text,
    schema_name text NOT NULL UNIQUE CHECK (schema_name ~ '^t_[0-9a-f]{32}$'),
    -- The highest tenant migration applied to schema_name, so that a no-op run and the
    -- readiness check need one query instead of one per schema.
    schema_version integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

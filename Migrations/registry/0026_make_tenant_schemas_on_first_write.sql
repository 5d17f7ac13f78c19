-- A tenant's schema is made by its first write, not when the tenant is registered: until then
-- schema_version is NULL and the tenant costs this row rather than a schema of tables, indexes and
-- catalog rows. Reads of such a tenant go to folio_tenant_template, a tenant schema that always
-- stays empty (see TenantDirectory). Schemas made before keep their version.
ALTER TABLE tenants ALTER COLUMN schema_version DROP NOT NULL;
ALTER TABLE tenants ALTER COLUMN schema_version DROP DEFAULT;

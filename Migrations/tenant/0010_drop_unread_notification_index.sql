-- Every index is a file and catalog rows in each tenant schema, and an fsync while a tenant is
-- created. No statement looks notifications up by invoice.
DROP INDEX notifications_invoice;

-- The reference's indexes on columns that a freshly published key leaves NULL (revised_at, the
-- federation and import ids) become partial indexes on IS NOT NULL: same names, same columns.
-- Every query that filters on one of these columns compares it (`revised_at >= $1`, `= $1`),
-- which implies IS NOT NULL, so the planner uses them exactly as before; an insert of a new key
-- now maintains 5 indexes instead of 13 (about half the insert cost; docs/performance.md).
-- The revision UPDATE adds a revised key to the four revised_at indexes, as before.
DROP INDEX IF EXISTS exposure_revised_at;
DROP INDEX IF EXISTS exposure_revised_at_regions;
DROP INDEX IF EXISTS exposure_revised_at_local_provenance;
DROP INDEX IF EXISTS exposure_revised_at_traveler;
DROP INDEX IF EXISTS exposure_sync_query_id;
DROP INDEX IF EXISTS exposure_export_import_id;
DROP INDEX IF EXISTS exposure_import_file_id;
DROP INDEX IF EXISTS exposure_revised_import_file_id;

CREATE INDEX exposure_revised_at ON exposure (revised_at)
    WHERE revised_at IS NOT NULL;
CREATE INDEX exposure_revised_at_regions ON exposure (revised_at, regions)
    WHERE revised_at IS NOT NULL;
CREATE INDEX exposure_revised_at_local_provenance ON exposure (revised_at, local_provenance)
    WHERE revised_at IS NOT NULL;
CREATE INDEX exposure_revised_at_traveler ON exposure (revised_at, traveler)
    WHERE revised_at IS NOT NULL;
CREATE INDEX exposure_sync_query_id ON exposure (sync_query_id)
    WHERE sync_query_id IS NOT NULL;
CREATE INDEX exposure_export_import_id ON exposure (export_import_id)
    WHERE export_import_id IS NOT NULL;
CREATE INDEX exposure_import_file_id ON exposure (import_file_id)
    WHERE import_file_id IS NOT NULL;
CREATE INDEX exposure_revised_import_file_id ON exposure (revised_import_file_id)
    WHERE revised_import_file_id IS NOT NULL;

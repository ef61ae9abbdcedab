-- The query store: published keys, with the reference server's columns and meanings so that SQL
-- written for the reference keeps working. Only the projector writes this table.
-- Differences: no foreign keys to healthauthority / federationinsync, because configuration
-- lives on the en.config topic, not in this database.
CREATE TABLE IF NOT EXISTS exposure (
    exposure_key TEXT PRIMARY KEY,
    transmission_risk BIGINT NOT NULL,
    app_package_name TEXT,
    regions TEXT[],
    interval_number BIGINT NOT NULL,
    interval_count BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    local_provenance BOOLEAN NOT NULL,
    sync_id BIGINT,
    sync_query_id TEXT,
    health_authority_id BIGINT,
    report_type TEXT NOT NULL DEFAULT '',
    days_since_symptom_onset BIGINT,
    revised_report_type TEXT,
    revised_at TIMESTAMPTZ,
    revised_days_since_symptom_onset BIGINT,
    revised_transmission_risk INTEGER,
    traveler BOOL NOT NULL DEFAULT false,
    export_import_id BIGINT,
    import_file_id BIGINT,
    revised_import_file_id BIGINT,
    vaccine_status BOOL NOT NULL DEFAULT false
);

CREATE INDEX IF NOT EXISTS exposure_created_at ON exposure (created_at);
CREATE INDEX IF NOT EXISTS exposure_created_at_regions ON exposure (created_at, regions);
CREATE INDEX IF NOT EXISTS exposure_created_at_local_provenance ON exposure (created_at, local_provenance);
CREATE INDEX IF NOT EXISTS exposure_created_at_traveler ON exposure (created_at, traveler);
CREATE INDEX IF NOT EXISTS exposure_revised_at ON exposure (revised_at);
CREATE INDEX IF NOT EXISTS exposure_revised_at_regions ON exposure (revised_at, regions);
CREATE INDEX IF NOT EXISTS exposure_revised_at_local_provenance ON exposure (revised_at, local_provenance);
CREATE INDEX IF NOT EXISTS exposure_revised_at_traveler ON exposure (revised_at, traveler);
CREATE INDEX IF NOT EXISTS exposure_sync_query_id ON exposure (sync_query_id);
CREATE INDEX IF NOT EXISTS exposure_export_import_id ON exposure (export_import_id);
CREATE INDEX IF NOT EXISTS exposure_import_file_id ON exposure (import_file_id);
CREATE INDEX IF NOT EXISTS exposure_revised_import_file_id ON exposure (revised_import_file_id);

-- Consumer positions of the projector, written in the same transaction as the rows they
-- produced: a record below next_offset is already applied and is skipped on redelivery.
CREATE TABLE IF NOT EXISTS projector_offsets (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    kafka_partition INT NOT NULL,
    next_offset BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, kafka_partition)
);

-- Hourly publish statistics per health authority (reference publish spec §7.2): aggregates only,
-- no keys, kept for analysts beyond the key retention.
CREATE TABLE IF NOT EXISTS healthauthoritystats (
    health_authority_id BIGINT NOT NULL,
    hour TIMESTAMPTZ NOT NULL,
    publish BIGINT[] NOT NULL DEFAULT '{0,0,0}',
    teks BIGINT NOT NULL DEFAULT 0,
    revisions BIGINT NOT NULL DEFAULT 0,
    oldest_tek_days BIGINT[] NOT NULL DEFAULT array_fill(0::bigint, ARRAY[16]),
    onset_age_days BIGINT[] NOT NULL DEFAULT array_fill(0::bigint, ARRAY[30]),
    missing_onset BIGINT NOT NULL DEFAULT 0,
    UNIQUE (health_authority_id, hour)
);

-- The exporter's own tables (it only reads `exposure`, which the projector owns). Versions are
-- recorded in `exporter_schema_migrations`, separately from the projector's.

-- One batch: a time window of one export config, with the config's settings copied when the
-- batch was cut (later edits of the config apply to later batches only).
CREATE TABLE IF NOT EXISTS export_batch (
    batch_id BIGSERIAL PRIMARY KEY,
    config_id BIGINT NOT NULL,
    filename_root TEXT NOT NULL,
    output_region TEXT NOT NULL,
    input_regions TEXT[] NOT NULL,
    exclude_regions TEXT[] NOT NULL,
    include_travelers BOOLEAN NOT NULL,
    only_non_travelers BOOLEAN NOT NULL,
    signature_info_ids BIGINT[] NOT NULL,
    max_records_override BIGINT,
    start_timestamp TIMESTAMPTZ NOT NULL,
    end_timestamp TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL DEFAULT 'OPEN'
        CHECK (status IN ('OPEN', 'PENDING', 'COMPLETE', 'DELETED', 'DEL_PEND')),
    -- The lease of the worker building it: only the holder of lease_token may complete it.
    lease_expires TIMESTAMPTZ,
    lease_token UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (config_id, start_timestamp, end_timestamp)
);
CREATE INDEX IF NOT EXISTS export_batch_work ON export_batch (status, end_timestamp);
CREATE INDEX IF NOT EXISTS export_batch_config_end ON export_batch (config_id, end_timestamp);

-- One written file. `filename` is the object name in the blob store.
CREATE TABLE IF NOT EXISTS export_file (
    filename TEXT PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES export_batch (batch_id),
    config_id BIGINT NOT NULL,
    batch_num INT NOT NULL,
    batch_size INT NOT NULL,
    key_count INT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'COMPLETE' CHECK (status IN ('COMPLETE', 'DEL_PEND', 'DELETED')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS export_file_batch ON export_file (batch_id);
CREATE INDEX IF NOT EXISTS export_file_status ON export_file (status);

-- Fake keys that padded a batch. They are selected together with `exposure` by every later
-- batch whose window and regions cover them, so a rerun and overlapping configs carry the same
-- fakes (comparing files cannot tell fake keys from real ones). Deleted with the key retention.
CREATE TABLE IF NOT EXISTS export_padding_key (
    exposure_key TEXT PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES export_batch (batch_id),
    transmission_risk BIGINT NOT NULL,
    regions TEXT[] NOT NULL,
    traveler BOOLEAN NOT NULL,
    interval_number BIGINT NOT NULL,
    interval_count BIGINT NOT NULL,
    report_type TEXT NOT NULL,
    days_since_symptom_onset BIGINT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS export_padding_key_created_at ON export_padding_key (created_at);
CREATE INDEX IF NOT EXISTS export_padding_key_batch ON export_padding_key (batch_id);

-- Expiring named locks shared by exporter instances (region locks, per-config index writes).
CREATE TABLE IF NOT EXISTS export_lock (
    lock_id TEXT PRIMARY KEY,
    expires TIMESTAMPTZ NOT NULL
);

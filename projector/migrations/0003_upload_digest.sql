-- Identical retries (design §7.8): the digest of the certificate and HMAC key of the upload that
-- inserted a key (SHA-256, never the secret itself); NULL when verification was bypassed.
ALTER TABLE exposure ADD COLUMN IF NOT EXISTS upload_digest bytea;

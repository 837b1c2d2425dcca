-- Reporters' phones (hotline callers, anonymous residents) and the recipients of queued text
-- messages are kept encrypted, like the registry's phones; the plaintext columns stay only until
-- src/operations/seal.ts has sealed what an older version left there, and nothing writes them.
ALTER TABLE cases ADD COLUMN reporter_phone_enc bytea, ADD COLUMN reporter_phone_masked text;
CREATE INDEX cases_plain_phone ON cases (id) WHERE reporter_phone IS NOT NULL;

ALTER TABLE message_outbox ADD COLUMN recipient_enc bytea, ALTER COLUMN recipient DROP NOT NULL;
ALTER TABLE message_outbox ADD CONSTRAINT message_outbox_recipient_given CHECK (recipient IS NOT NULL OR recipient_enc IS NOT NULL);
CREATE INDEX message_outbox_plain_recipient ON message_outbox (id) WHERE recipient IS NOT NULL;

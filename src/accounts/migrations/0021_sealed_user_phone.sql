-- Staff phones are personal data: kept encrypted (key outside the database) with a masked form for
-- display, like the registry's. The plaintext column stays only until the server seals what an
-- older version left there (src/operations/seal.ts runs after every migration); nothing writes it.
ALTER TABLE app_user ADD COLUMN phone_enc bytea, ADD COLUMN phone_masked text;
GRANT SELECT (phone_masked), INSERT (phone_enc, phone_masked), UPDATE (phone_enc, phone_masked) ON app_user TO grassroots_app;
REVOKE INSERT (phone), UPDATE (phone) ON app_user FROM grassroots_app;
CREATE INDEX app_user_plain_phone ON app_user (id) WHERE phone IS NOT NULL;

-- Remembered answers to create requests, keyed by the caller and their Idempotency-Key, so that a
-- retried request returns the first answer and creates nothing new.
CREATE TABLE idempotency_key (
  caller text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  -- json, not jsonb: a replay must be the same bytes as the first answer, key order included.
  response json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);
GRANT SELECT, INSERT ON idempotency_key TO grassroots_app;
GRANT UPDATE ON idempotency_key TO grassroots_app;

-- Each caller sees only its own remembered answers.
ALTER TABLE idempotency_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_own ON idempotency_key TO grassroots_app
  USING (caller = 'user:' || app_user_id() OR (app_user_id() IS NULL AND caller LIKE 'anonymous:%'))
  WITH CHECK (caller = 'user:' || app_user_id() OR (app_user_id() IS NULL AND caller LIKE 'anonymous:%'));

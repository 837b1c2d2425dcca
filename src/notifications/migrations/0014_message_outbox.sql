-- Text messages to reporters who have no account (hotline callers, anonymous residents who left a
-- phone number): queued in the transaction of the step they report, sent later by a worker
-- through the configured transport, retried with backoff.
CREATE TABLE message_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint REFERENCES cases (id),
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient text NOT NULL,
  template_key text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
  created_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  sent_at timestamptz,
  last_error text
);
CREATE INDEX message_outbox_due ON message_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- The application role may queue, never read: recipients are personal data.
ALTER TABLE message_outbox ENABLE ROW LEVEL SECURITY;
GRANT INSERT ON message_outbox TO grassroots_app;
CREATE POLICY message_outbox_queue ON message_outbox FOR INSERT TO grassroots_app WITH CHECK (true);

-- Persisted deadlines of any workflow (cases now; mediation and publications later). A timer
-- fires once: the scheduler claims due rows with FOR UPDATE SKIP LOCKED and marks them fired in
-- the same transaction as their effects, so neither a restart nor a second server process can
-- lose or double one.
CREATE TABLE workflow_timer (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_type text NOT NULL,
  subject_id bigint NOT NULL,
  kind text NOT NULL,
  stage text NOT NULL,
  stage_seq integer NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz,
  UNIQUE (subject_type, subject_id, kind, stage, stage_seq)
);
CREATE INDEX workflow_timer_due ON workflow_timer (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX workflow_timer_subject ON workflow_timer (subject_type, subject_id);
GRANT SELECT, INSERT, UPDATE (cancelled_at) ON workflow_timer TO grassroots_app;

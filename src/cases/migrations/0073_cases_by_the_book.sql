-- The event loop by the book (issue 12): urgency tiers, first contact with the requester, the
-- requester's own answer at a call-back, governed returns, verification before filing, direct
-- answers, shelving, and the proactive channel. docs/cases.md gives the rules.

ALTER TABLE cases DROP CONSTRAINT cases_channel_check;
ALTER TABLE cases ADD CONSTRAINT cases_channel_check
  CHECK (channel IN ('portal', 'patrol', 'hotline', 'open311', 'api', 'device', 'proactive'));

ALTER TABLE cases
  ADD COLUMN urgency text NOT NULL DEFAULT 'general' CHECK (urgency IN ('urgent', 'general', 'complex')),
  ADD COLUMN dispatched_at timestamptz,
  -- Whether the handling department must contact the requester: someone reachable who is not staff
  -- reporting their own finding (patrol, proactive and device cases have nobody to call).
  ADD COLUMN contact_required boolean NOT NULL DEFAULT false,
  ADD COLUMN contact_due_at timestamptz,
  ADD COLUMN contacted_at timestamptz,
  -- Whether the requester's answer is asked for: never for staff's own reports.
  ADD COLUMN rateable boolean NOT NULL DEFAULT true,
  ADD COLUMN solved boolean,
  ADD COLUMN rating_status text CHECK (rating_status IN ('rated', 'not_rated')),
  ADD COLUMN callback_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN return_count integer NOT NULL DEFAULT 0,
  ADD COLUMN return_denied_count integer NOT NULL DEFAULT 0,
  ADD COLUMN return_request jsonb,
  ADD COLUMN extension_count integer NOT NULL DEFAULT 0,
  ADD COLUMN direct_answer boolean NOT NULL DEFAULT false,
  ADD COLUMN shelving_request jsonb,
  ADD COLUMN shelved_at timestamptz,
  ADD COLUMN shelved_by integer REFERENCES app_user (id),
  ADD COLUMN shelve_review_at timestamptz,
  ADD COLUMN shelved_count integer NOT NULL DEFAULT 0;

-- Cases filed before: the reporter could be reached when they had an account or left a phone.
UPDATE cases SET
  contact_required = channel NOT IN ('patrol', 'device') AND (reporter_id IS NOT NULL OR reporter_phone_enc IS NOT NULL),
  rateable = channel NOT IN ('patrol', 'device'),
  rating_status = CASE WHEN rating IS NOT NULL THEN 'rated' END,
  solved = CASE WHEN rating IS NOT NULL THEN rating <> 'unsatisfied' END;
UPDATE cases c SET dispatched_at = (
  SELECT max(e.at) FROM case_event e WHERE e.case_id = c.id AND e.action = 'dispatch'
) WHERE department_id IS NOT NULL;

-- The call-back console's queue: closed, rateable cases without an answer yet.
CREATE INDEX cases_awaiting_callback ON cases (area_id, closed_at)
  WHERE state = 'closed' AND rateable AND rating_status IS NULL;
CREATE INDEX cases_shelved ON cases (area_id, shelve_review_at) WHERE state = 'shelved';

ALTER TABLE case_category
  ADD COLUMN default_urgency text NOT NULL DEFAULT 'general' CHECK (default_urgency IN ('urgent', 'general', 'complex')),
  -- Reports from the public in this category are checked on site by a grid worker before filing.
  ADD COLUMN verify_before_filing boolean NOT NULL DEFAULT false,
  ADD COLUMN kind text NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'component', 'enquiry')),
  -- The standard class (GB/T 30428.2 main class + subclass), e.g. '0101'.
  ADD COLUMN class_code text CHECK (class_code ~ '^[0-9]{2,8}$');

-- Per-area rules of the loop (limits per urgency, return window, call-back attempts, shelving
-- review); for each key the nearest ancestor that sets it wins, else the built-in default.
CREATE TABLE case_rules (
  area_id integer PRIMARY KEY REFERENCES area (id),
  rules jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL,
  updated_by integer REFERENCES app_user (id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON case_rules TO grassroots_app;
ALTER TABLE case_rules ENABLE ROW LEVEL SECURITY;
-- The rules are not secret (the requester's clock follows them); admins of the area change them.
CREATE POLICY case_rules_read ON case_rules FOR SELECT TO grassroots_app USING (true);
CREATE POLICY case_rules_add ON case_rules FOR INSERT TO grassroots_app WITH CHECK (app_can(ARRAY['admin'], area_id));
CREATE POLICY case_rules_change ON case_rules FOR UPDATE TO grassroots_app
  USING (app_can(ARRAY['admin'], area_id)) WITH CHECK (app_can(ARRAY['admin'], area_id));
CREATE POLICY case_rules_remove ON case_rules FOR DELETE TO grassroots_app USING (app_can(ARRAY['admin'], area_id));

-- Residents move a decision's counters (their vote) and its stored result (the first read after the
-- window): the policy that lets them update a decision is narrowed to those columns, so no request
-- can rewrite a decision's text, rule or window whatever its query.
REVOKE UPDATE ON meeting_decision FROM grassroots_app;
GRANT UPDATE (votes_for, votes_against, votes_abstain, result) ON meeting_decision TO grassroots_app;

-- Residents' actions move counters on rows that staff own (a survey's responses, a comment's
-- replies and reports, a proposal's supports and, when the threshold is crossed, its clock). The
-- update policies must let them, so these guards keep everything else to the area's participation
-- staff (or, for a proposal, its author withdrawing it): a backstop if a use case forgot a check.
CREATE FUNCTION participation_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> 'grassroots_app' OR app_participation_staff(OLD.area_id) THEN
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME = 'survey' THEN
    IF (to_jsonb(NEW) - 'response_count' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'response_count' - 'updated_at') THEN
      RAISE EXCEPTION 'only the survey''s staff change it' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF TG_TABLE_NAME = 'participation_comment' THEN
    IF (to_jsonb(NEW) - 'reply_count' - 'report_count') IS DISTINCT FROM (to_jsonb(OLD) - 'reply_count' - 'report_count') THEN
      RAISE EXCEPTION 'only moderators hide or restore a comment' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF TG_TABLE_NAME = 'proposal' THEN
    IF (to_jsonb(NEW) - 'support_count' - 'comment_count' - 'updated_at' - 'status' - 'threshold_reached_at' - 'answer_due_at')
       IS DISTINCT FROM (to_jsonb(OLD) - 'support_count' - 'comment_count' - 'updated_at' - 'status' - 'threshold_reached_at' - 'answer_due_at')
       OR (NEW.status IS DISTINCT FROM OLD.status
           AND NOT (OLD.status = 'published' AND NEW.status = 'threshold_reached' AND NEW.support_count >= NEW.threshold)
           AND NOT (OLD.status = 'published' AND NEW.status = 'withdrawn' AND OLD.author_id = app_user_id())) THEN
      RAISE EXCEPTION 'only the area''s staff answer a proposal or change its text' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER survey_guard BEFORE UPDATE ON survey FOR EACH ROW EXECUTE FUNCTION participation_guard_update();
CREATE TRIGGER participation_comment_guard BEFORE UPDATE ON participation_comment FOR EACH ROW EXECUTE FUNCTION participation_guard_update();
CREATE TRIGGER proposal_guard BEFORE UPDATE ON proposal FOR EACH ROW EXECUTE FUNCTION participation_guard_update();

-- Staff verify in person only accounts of their own areas (as app_user's own policy shows them).
DROP POLICY resident_verification_add ON resident_verification;
CREATE POLICY resident_verification_add ON resident_verification FOR INSERT TO grassroots_app
  WITH CHECK ((user_id = app_user_id() AND method = 'registry_code')
              OR (method = 'in_person' AND app_participation_staff(area_id)
                  AND app_user_visible(user_id, ARRAY['admin', 'leader', 'staff'])));

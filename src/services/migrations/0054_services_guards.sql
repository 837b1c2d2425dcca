-- Residents' and volunteers' own actions change rows that staff own (an activity's sign-up
-- counter, their sign-up's check-in and hours, their application's withdrawal and rating) or that
-- hold value (a volunteer's balance). The policies must let those updates through, so these guards
-- keep every other change to the staff of the area: a backstop if a use case forgot a check.
CREATE FUNCTION services_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  length_h numeric;
BEGIN
  -- Owner-rights code (the time bank trigger, the definer functions) and staff pass.
  IF current_user <> 'grassroots_app' THEN
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME = 'volunteer_activity' THEN
    IF NOT app_services_staff(OLD.area_id)
       AND ((to_jsonb(NEW) - 'signed_up') IS DISTINCT FROM (to_jsonb(OLD) - 'signed_up')
            OR abs(NEW.signed_up - OLD.signed_up) > 1) THEN
      RAISE EXCEPTION 'only the activity''s staff change it' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF TG_TABLE_NAME = 'volunteer' THEN
    -- The balance and the hours move only through time_bank_entry; a volunteer edits their skills
    -- and availability.
    IF NEW.balance IS DISTINCT FROM OLD.balance OR NEW.hours_total IS DISTINCT FROM OLD.hours_total
       OR (NOT app_volunteer_staff(OLD.area_id)
           AND (to_jsonb(NEW) - 'skills' - 'availability' - 'updated_at')
               IS DISTINCT FROM (to_jsonb(OLD) - 'skills' - 'availability' - 'updated_at')) THEN
      RAISE EXCEPTION 'a volunteer changes only their skills and availability; hours move through the time bank' USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF TG_TABLE_NAME = 'activity_signup' THEN
    -- Whoever records it, a sign-up's hours never pass the activity's length.
    SELECT extract(epoch FROM a.ends_at - a.starts_at) / 3600 INTO length_h FROM volunteer_activity a WHERE a.id = NEW.activity_id;
    IF NEW.hours IS NOT NULL AND NEW.hours > length_h THEN
      RAISE EXCEPTION 'hours % pass the activity''s length %', NEW.hours, length_h USING ERRCODE = 'check_violation';
    END IF;
  ELSIF TG_TABLE_NAME = 'service_application' THEN
    IF NOT app_services_staff(OLD.area_id) THEN
      -- The applicant withdraws an open application or rates a delivered one; the delivering
      -- department's handler delivers an approved one. Nothing else changes on their behalf.
      IF NOT (
        (OLD.applicant_user_id = app_user_id()
         AND ((NEW.status = 'withdrawn' AND OLD.status IN ('submitted', 'approved'))
              OR (NEW.status = OLD.status AND OLD.status = 'delivered' AND OLD.rating IS NULL))
         AND (to_jsonb(NEW) - 'status' - 'rating' - 'rating_comment' - 'rated_at' - 'version' - 'updated_at')
             IS NOT DISTINCT FROM (to_jsonb(OLD) - 'status' - 'rating' - 'rating_comment' - 'rated_at' - 'version' - 'updated_at'))
        OR (OLD.department_id = app_user_department() AND OLD.status = 'approved' AND NEW.status = 'delivered'
         AND (to_jsonb(NEW) - 'status' - 'delivered_at' - 'delivery_note' - 'version' - 'updated_at' - 'due_at')
             IS NOT DISTINCT FROM (to_jsonb(OLD) - 'status' - 'delivered_at' - 'delivery_note' - 'version' - 'updated_at' - 'due_at'))
      ) THEN
        RAISE EXCEPTION 'only the area''s service staff decide an application' USING ERRCODE = 'insufficient_privilege';
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER volunteer_activity_guard BEFORE UPDATE ON volunteer_activity FOR EACH ROW EXECUTE FUNCTION services_guard_update();
CREATE TRIGGER volunteer_guard BEFORE UPDATE ON volunteer FOR EACH ROW EXECUTE FUNCTION services_guard_update();
CREATE TRIGGER activity_signup_guard BEFORE INSERT OR UPDATE ON activity_signup FOR EACH ROW EXECUTE FUNCTION services_guard_update();
CREATE TRIGGER service_application_guard BEFORE UPDATE ON service_application FOR EACH ROW EXECUTE FUNCTION services_guard_update();

-- Hours are earned only as a sign-up records them: a volunteer's own 'earned' entry must match
-- their checked-out sign-up of that activity; staff of the area credit, adjust and spend.
DROP POLICY time_bank_entry_add ON time_bank_entry;
CREATE POLICY time_bank_entry_add ON time_bank_entry FOR INSERT TO grassroots_app
  WITH CHECK (app_volunteer_staff(area_id)
    OR (kind = 'earned' AND volunteer_id IN (SELECT app_own_volunteer_ids())
        AND EXISTS (SELECT 1 FROM activity_signup s
                    WHERE s.activity_id = time_bank_entry.activity_id AND s.volunteer_id = time_bank_entry.volunteer_id
                      AND s.checked_out_at IS NOT NULL AND s.hours = time_bank_entry.hours)));

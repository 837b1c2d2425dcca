-- From the review of the services module:
--  * the remaining per-row policies (bookings, projects, an activity's sign-ups for its staff) test
--    membership in the caller's service areas once per statement, as 0055 did for applications;
--    the staff's booking list has an index by area and start;
--  * a volunteer's hours are read by whoever may read the volunteer (their own, the volunteer
--    staff of the volunteer's area), wherever the hours were earned, so a certificate lists what
--    its total counts;
--  * a volunteer who is not staff moves an activity's sign-up counter by one at a time;
--  * a resident claims the volunteer record staff registered for their registry person.

DROP POLICY facility_booking_read ON facility_booking;
DROP POLICY facility_booking_add ON facility_booking;
DROP POLICY facility_booking_change ON facility_booking;
CREATE POLICY facility_booking_read ON facility_booking FOR SELECT TO grassroots_app
  USING (booked_by = (SELECT app_user_id()) OR area_id IN (SELECT app_services_area_ids()));
CREATE POLICY facility_booking_add ON facility_booking FOR INSERT TO grassroots_app
  WITH CHECK ((booked_by = (SELECT app_user_id()) AND area_id IN (SELECT app_branch_area_ids()))
    OR area_id IN (SELECT app_services_area_ids()));
CREATE POLICY facility_booking_change ON facility_booking FOR UPDATE TO grassroots_app
  USING (booked_by = (SELECT app_user_id()) OR area_id IN (SELECT app_services_area_ids()));
CREATE INDEX facility_booking_area ON facility_booking (area_id, lower(during));

DROP POLICY service_project_read ON service_project;
DROP POLICY service_project_change ON service_project;
CREATE POLICY service_project_read ON service_project FOR SELECT TO grassroots_app
  USING (area_id IN (SELECT app_services_area_ids()) OR department_id = (SELECT app_user_department()));
CREATE POLICY service_project_change ON service_project FOR UPDATE TO grassroots_app
  USING (area_id IN (SELECT app_services_area_ids()) OR department_id = (SELECT app_user_department()));

DROP POLICY activity_signup_organiser ON activity_signup;
CREATE POLICY activity_signup_organiser ON activity_signup FOR ALL TO grassroots_app
  USING (activity_id IN (SELECT a.id FROM volunteer_activity a WHERE a.area_id IN (SELECT app_services_area_ids())))
  WITH CHECK (activity_id IN (SELECT a.id FROM volunteer_activity a WHERE a.area_id IN (SELECT app_services_area_ids())));

DROP POLICY time_bank_entry_read ON time_bank_entry;
CREATE POLICY time_bank_entry_read ON time_bank_entry FOR SELECT TO grassroots_app
  USING (volunteer_id IN (SELECT app_own_volunteer_ids())
    OR volunteer_id IN (SELECT v.id FROM volunteer v WHERE v.area_id IN (SELECT app_volunteer_area_ids())));

CREATE OR REPLACE FUNCTION services_guard_update() RETURNS trigger
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

-- A verified resident takes over the volunteer record registered for their registry person
-- without an account (a grid worker registered them before they verified). Returns its id.
CREATE FUNCTION app_claim_volunteer() RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE volunteer v SET user_id = r.user_id
  FROM resident_verification r
  WHERE r.user_id = app_user_id() AND v.person_id = r.person_id AND v.user_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM volunteer o WHERE o.user_id = r.user_id)
  RETURNING v.id
$$;
GRANT EXECUTE ON FUNCTION app_claim_volunteer() TO grassroots_app;

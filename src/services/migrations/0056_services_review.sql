-- From the review of the services module:
--  * the remaining per-row policies (bookings, projects, an activity's sign-ups for its staff) test
--    membership in the caller's service areas once per statement, as 0055 did for applications;
--    the staff's booking list has an index by area and start;
--  * a volunteer's hours are read by whoever may read the volunteer (their own, the volunteer
--    staff of the volunteer's area), wherever the hours were earned, so a certificate lists what
--    its total counts;
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

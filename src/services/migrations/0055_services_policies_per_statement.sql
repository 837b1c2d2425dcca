-- The application queue measured 10× its hand-written SQL at 100,000 applications: the policies
-- asked app_services_staff(area_id) (an area lookup and a parse of the caller's grants) for every
-- row. As the registry's and the cases' policies do, they now test membership in the set of the
-- caller's areas, evaluated once per statement (a hashed subplan), and read the caller's id and
-- department once (an init plan).
CREATE FUNCTION app_services_area_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT a.id FROM area a
  WHERE EXISTS (SELECT 1 FROM app_grants() g WHERE g.role IN ('admin', 'leader', 'staff') AND a.path LIKE g.path || '%')
$$;
CREATE FUNCTION app_volunteer_area_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT a.id FROM area a
  WHERE EXISTS (SELECT 1 FROM app_grants() g WHERE g.role IN ('admin', 'leader', 'staff', 'grid_worker') AND a.path LIKE g.path || '%')
$$;
GRANT EXECUTE ON FUNCTION app_services_area_ids(), app_volunteer_area_ids() TO grassroots_app;

DROP POLICY service_application_read ON service_application;
DROP POLICY service_application_add ON service_application;
DROP POLICY service_application_change ON service_application;
CREATE POLICY service_application_read ON service_application FOR SELECT TO grassroots_app
  USING (applicant_user_id = (SELECT app_user_id()) OR area_id IN (SELECT app_services_area_ids())
    OR (department_id IS NOT NULL AND department_id = (SELECT app_user_department())));
CREATE POLICY service_application_add ON service_application FOR INSERT TO grassroots_app
  WITH CHECK ((applicant_user_id = (SELECT app_user_id()) AND submitted_by = (SELECT app_user_id()))
    OR area_id IN (SELECT app_services_area_ids()));
CREATE POLICY service_application_change ON service_application FOR UPDATE TO grassroots_app
  USING (applicant_user_id = (SELECT app_user_id()) OR area_id IN (SELECT app_services_area_ids())
    OR (department_id IS NOT NULL AND department_id = (SELECT app_user_department())));

DROP POLICY volunteer_read ON volunteer;
DROP POLICY volunteer_change ON volunteer;
CREATE POLICY volunteer_read ON volunteer FOR SELECT TO grassroots_app
  USING (user_id = (SELECT app_user_id()) OR area_id IN (SELECT app_volunteer_area_ids()));
CREATE POLICY volunteer_change ON volunteer FOR UPDATE TO grassroots_app
  USING (user_id = (SELECT app_user_id()) OR area_id IN (SELECT app_volunteer_area_ids()));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['activity_signup', 'time_bank_entry', 'volunteer_assignment'] LOOP
    EXECUTE format('DROP POLICY %I ON %I', t || '_read', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO grassroots_app USING (volunteer_id IN (SELECT app_own_volunteer_ids()) OR area_id IN (SELECT app_volunteer_area_ids()))', t || '_read', t);
  END LOOP;
END
$$;

-- Deliberation meetings and "you said, we did" (issue 14, items 5 and 6): what 0042 left to them.
--
-- Registrations are one's own: a resident registers themself (staff mark attendance through
-- UPDATE, 0042's meeting_registration_change) and may withdraw before the meeting starts (the use
-- case checks the time; an attended registration stays, it is the record of who was there).
GRANT DELETE ON meeting_registration TO grassroots_app;
DROP POLICY meeting_registration_add ON meeting_registration;
CREATE POLICY meeting_registration_add ON meeting_registration FOR INSERT TO grassroots_app
  WITH CHECK (user_id = app_user_id() AND EXISTS (SELECT 1 FROM meeting x WHERE x.id = meeting_id));
CREATE POLICY meeting_registration_remove ON meeting_registration FOR DELETE TO grassroots_app
  USING (user_id = app_user_id() AND NOT attended);

-- The event case an outcome created, as the record's followers see it: residents cannot read the
-- case itself (cases are visible to staff of their grid, their department and their reporter), so
-- this definer function gives its tracking code, state and category to whoever sees the record on
-- their branch of the area tree, and nothing else of the case.
CREATE FUNCTION app_accountability_case(rid bigint)
RETURNS TABLE (case_id bigint, tracking_code text, state text, category_id integer, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT c.id, c.tracking_code, c.state, c.category_id, c.updated_at
  FROM accountability_record r JOIN cases c ON c.id = r.case_id
  WHERE r.id = rid AND r.area_id IN (SELECT app_branch_area_ids())
$$;
GRANT EXECUTE ON FUNCTION app_accountability_case(bigint) TO grassroots_app;

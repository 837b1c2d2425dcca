-- Possible duplicates of a new case: open cases of its category near it, filed recently.
--
-- Under row-level security the `cases` policy is applied before any operator that is not
-- leakproof, and PostGIS's ST_DWithin is not, so the open-case location index (0034) could not
-- be used: every intake read all open cases of the window and measured its distance to each
-- (a sequential scan, growing with the hotline's volume). This function runs as the owner, takes
-- the candidates from the index, and applies the policy's visibility rule explicitly to the new
-- case and to every candidate, so it shows the caller nothing the policy would not.
CREATE FUNCTION app_case_duplicates(of_case bigint, since timestamptz, within_m double precision, cap integer)
RETURNS TABLE (id bigint, tracking_code text, state text, distance_m double precision, submitted_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  me integer := app_user_id();
  dept integer := app_user_department();
BEGIN
  RETURN QUERY
  WITH visible AS (SELECT app_visible_area_ids() AS area_id)
  SELECT o.id, o.tracking_code, o.state, ST_Distance(o.location::geography, c.location::geography), o.submitted_at
  FROM cases c JOIN cases o ON o.category_id = c.category_id AND o.id <> c.id
  WHERE c.id = of_case AND c.location IS NOT NULL AND o.location IS NOT NULL
    AND o.state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'replied', 'verified')
    AND o.submitted_at >= since
    AND ST_DWithin(o.location::geography, c.location::geography, within_m)
    AND (c.area_id IN (SELECT v.area_id FROM visible v) OR (c.reporter_id IS NOT NULL AND c.reporter_id = me)
         OR c.department_id = dept OR dept = ANY (c.assisting_department_ids))
    AND (o.area_id IN (SELECT v.area_id FROM visible v) OR (o.reporter_id IS NOT NULL AND o.reporter_id = me)
         OR o.department_id = dept OR dept = ANY (o.assisting_department_ids))
  ORDER BY 4, 1
  LIMIT cap;
END
$$;
REVOKE ALL ON FUNCTION app_case_duplicates(bigint, timestamptz, double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_case_duplicates(bigint, timestamptz, double precision, integer) TO grassroots_app;

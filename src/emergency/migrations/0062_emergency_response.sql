-- Emergency response (tasks, resources, shelters): what an enrolled volunteer needs besides the
-- incident itself. A volunteer holds no staff grant, so 0058's inventory policies hide the
-- shelters they check people into and the resources allocated to their tasks; and the names of
-- registry people checked into a shelter come from the registry, which they do not read.

-- Areas on the branch (above or below) of an active incident the caller is enrolled in.
CREATE FUNCTION app_responder_area_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT a.id FROM area a
  WHERE EXISTS (SELECT 1 FROM incident_responder r
                JOIN incident i ON i.id = r.incident_id AND i.status = 'active'
                JOIN area ia ON ia.id = i.area_id
                WHERE r.user_id = app_user_id()
                  AND (a.path LIKE ia.path || '%' OR ia.path LIKE a.path || '%'))
$$;

-- Names of the registry people checked in (by check-in id), for check-ins the caller reads.
CREATE FUNCTION app_checkin_people(ids bigint[]) RETURNS TABLE (id bigint, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT c.id, p.name FROM shelter_checkin c JOIN person p ON p.id = c.person_id
  WHERE c.id = ANY (ids) AND c.incident_id IN (SELECT app_incident_ids())
$$;

GRANT EXECUTE ON FUNCTION app_responder_area_ids(), app_checkin_people(bigint[]) TO grassroots_app;

CREATE POLICY emergency_resource_read_responder ON emergency_resource FOR SELECT TO grassroots_app
  USING (area_id IN (SELECT app_responder_area_ids()));
CREATE POLICY emergency_shelter_read_responder ON emergency_shelter FOR SELECT TO grassroots_app
  USING (area_id IN (SELECT app_responder_area_ids()));

-- Names behind volunteers and their care-visit assignments, for the callers who may see the
-- volunteer (row-level security on person lets only registry staff read it): the volunteer
-- themself, the volunteer staff of their area, and the service staff of an activity they signed
-- up for (who check them in, wherever they live). Nothing but the name and the masked ID leaves.
CREATE FUNCTION app_volunteer_people(ids bigint[]) RETURNS TABLE (id bigint, name text, id_number_masked text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT v.id, p.name, p.id_number_masked
  FROM volunteer v JOIN person p ON p.id = v.person_id
  WHERE v.id = ANY (ids)
    AND (v.user_id = app_user_id() OR app_volunteer_staff(v.area_id)
      OR EXISTS (SELECT 1 FROM activity_signup s JOIN volunteer_activity a ON a.id = s.activity_id
                 WHERE s.volunteer_id = v.id AND app_services_staff(a.area_id)))
$$;

-- The person a volunteer visits, for the volunteer and the staff who assigned them: name and address.
CREATE FUNCTION app_assignment_people(ids bigint[]) RETURNS TABLE (id bigint, name text, address text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT x.id, p.name, p.address
  FROM volunteer_assignment x JOIN volunteer v ON v.id = x.volunteer_id JOIN person p ON p.id = x.person_id
  WHERE x.id = ANY (ids) AND (v.user_id = app_user_id() OR app_volunteer_staff(x.area_id))
$$;

GRANT EXECUTE ON FUNCTION app_volunteer_people(bigint[]), app_assignment_people(bigint[]) TO grassroots_app;

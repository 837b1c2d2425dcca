-- The registry facts of social organisations (name, credit code, legal representative, address)
-- for whoever reads the organisation's profile. The registry's organisation table is read only
-- by the area's registry staff; a profile published on the area tree (social_organisation, read
-- on the caller's branch), or one contracted by the caller's department, shows these facts and
-- nothing else of the registry.
CREATE FUNCTION app_social_organisation_registry() RETURNS TABLE (
  id bigint, name text, uscc text, legal_representative text, address text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT o.id, o.name, o.uscc, o.legal_representative, o.address
  FROM organisation o JOIN social_organisation s ON s.organisation_id = o.id
  WHERE s.area_id IN (SELECT app_branch_area_ids())
     OR EXISTS (SELECT 1 FROM service_project p
                WHERE p.organisation_id = s.organisation_id AND p.department_id = app_user_department())
$$;
REVOKE ALL ON FUNCTION app_social_organisation_registry() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_social_organisation_registry() TO grassroots_app;

-- An organisation's rating is the mean final score of all its projects, wherever they ran; the
-- evaluator sees only the projects of their area or department, so the mean is recomputed here,
-- from the facts alone (nothing the caller passes but whose rating to recompute).
CREATE FUNCTION app_social_organisation_rerate(org bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE social_organisation s SET rating = r.mean, rated_projects = r.n
  FROM (SELECT round(avg(final_score), 2) AS mean, count(final_score)::int AS n
        FROM service_project WHERE organisation_id = org) r
  WHERE s.organisation_id = org
$$;
REVOKE ALL ON FUNCTION app_social_organisation_rerate(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_social_organisation_rerate(bigint) TO grassroots_app;

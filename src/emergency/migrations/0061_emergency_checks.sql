-- The check list of an incident shows each person's name, sex, age, address and masked phone to
-- those who work the grid: staff and grid workers over it, the incident's command, and the
-- volunteers enrolled for it. Volunteers (and a commander from another area) cannot read the
-- registry itself, so this function answers those few fields, as the owner, for the checks of one
-- incident that the caller may work (the same rule as incident_check's policy) and nothing else.
-- `ids` limits it to some checks (a page: by primary key), `pattern` to names LIKE it (a prefix
-- search over the incident's list). Planned for the arguments of each call (force_custom_plan), so
-- a page of 200 reads 200 people, not the whole list.
CREATE FUNCTION app_incident_check_people(incident bigint, ids bigint[], pattern text)
RETURNS TABLE (check_id bigint, name text, sex text, birth_date date, address text, phone_masked text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  IF ids IS NOT NULL THEN
    RETURN QUERY
      SELECT c.id, p.name, p.sex, p.birth_date,
             coalesce(p.address, b.name || CASE WHEN d.unit <> '' THEN d.unit || '单元' ELSE '' END || d.room || '室'),
             p.phone_masked
      FROM incident_check c
      JOIN person p ON p.id = c.person_id
      LEFT JOIN dwelling d ON d.id = p.dwelling_id
      LEFT JOIN building b ON b.id = d.building_id
      WHERE c.id = ANY (ids) AND c.incident_id = incident
        AND (pattern IS NULL OR p.name LIKE pattern)
        AND (c.incident_id, c.area_id) IN (SELECT * FROM app_incident_grid_scope());
  ELSE
    RETURN QUERY
      SELECT c.id, p.name, p.sex, p.birth_date,
             coalesce(p.address, b.name || CASE WHEN d.unit <> '' THEN d.unit || '单元' ELSE '' END || d.room || '室'),
             p.phone_masked
      FROM incident_check c
      JOIN person p ON p.id = c.person_id
      LEFT JOIN dwelling d ON d.id = p.dwelling_id
      LEFT JOIN building b ON b.id = d.building_id
      WHERE c.incident_id = incident
        AND (pattern IS NULL OR p.name LIKE pattern)
        AND (c.incident_id, c.area_id) IN (SELECT * FROM app_incident_grid_scope());
  END IF;
END
$$;
GRANT EXECUTE ON FUNCTION app_incident_check_people(bigint, bigint[], text) TO grassroots_app;

-- The list pages by grid then id (keyset): this order straight from an index, so a page reads its
-- 200 rows instead of sorting the incident's whole list (incident_check_list has the status between).
CREATE INDEX incident_check_page ON incident_check (incident_id, area_id, id);

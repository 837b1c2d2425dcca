-- Party members (0068) for those who read a member record but not the registry person behind it
-- (row-level security on person lets only the registry staff over the person's area read it: a
-- grid worker or the staff of a street read a community's members, a community reads a member
-- who reports to it from elsewhere). These definer functions give out only what a member list
-- shows — the name (which the caller masks unless `in_registry`), sex and birth date (for the
-- age) — never the ID number, the phone or the address, and only of members the caller reads.

CREATE FUNCTION app_party_member_people(ids bigint[])
RETURNS TABLE (member_id bigint, person_id bigint, name text, sex text, birth_date date, person_area_id integer,
               person_status text, in_registry boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT m.id, p.id, p.name, p.sex, p.birth_date, p.area_id, p.status,
         p.area_id IN (SELECT app_registry_area_ids(false))
  FROM party_member m JOIN person p ON p.id = m.person_id
  WHERE m.id = ANY (ids) AND m.id IN (SELECT app_party_member_ids())
$$;

-- The members the caller reads whose name starts with `prefix`, among those whose person the
-- caller also reads in the registry (no one finds by name what they see masked).
CREATE FUNCTION app_party_members_named(prefix text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT m.id FROM party_member m JOIN person p ON p.id = m.person_id
  WHERE p.name LIKE prefix ESCAPE '\'
    AND m.id IN (SELECT app_party_member_ids())
    AND p.area_id IN (SELECT app_registry_area_ids(false))
$$;

-- A member's service is their volunteer record's (services module): hours in all, and the
-- activities attended with their hours. For members the caller reads.
CREATE FUNCTION app_party_member_service(mid bigint)
RETURNS TABLE (volunteer_id bigint, hours_total numeric, activity_id bigint, title text, starts_at timestamptz,
               hours numeric, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT v.id, v.hours_total, a.id, a.title, a.starts_at, s.hours, s.status
  FROM party_member m
  JOIN volunteer v ON v.person_id = m.person_id
  LEFT JOIN activity_signup s ON s.volunteer_id = v.id AND s.status IN ('checked_in', 'checked_out')
  LEFT JOIN volunteer_activity a ON a.id = s.activity_id
  WHERE m.id = mid AND m.id IN (SELECT app_party_member_ids())
  ORDER BY a.starts_at DESC NULLS LAST
  LIMIT 100
$$;

-- Hours a reporting member earned since the day they reported (the time bank's earned entries
-- of the report's volunteer record), for reports the caller reads.
CREATE FUNCTION app_party_report_hours(ids bigint[]) RETURNS TABLE (report_id bigint, hours numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT r.id, coalesce(sum(e.hours), 0)
  FROM party_member_report r
  LEFT JOIN time_bank_entry e ON e.volunteer_id = r.volunteer_id AND e.kind = 'earned'
    AND e.created_at >= r.reported_on::timestamp AT TIME ZONE 'Asia/Shanghai'
    AND (r.withdrawn_on IS NULL OR e.created_at < (r.withdrawn_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
  WHERE r.id = ANY (ids)
    AND (r.area_id IN (SELECT app_party_area_ids(false)) OR r.member_id IN (SELECT app_party_member_ids()))
  GROUP BY r.id
$$;

-- Whether a person the caller reads in the registry is an active member anywhere (whose record
-- the caller may not read): a second membership is refused by name, not by a unique violation.
CREATE FUNCTION app_party_person_is_member(pid bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM party_member m JOIN person p ON p.id = m.person_id
                 WHERE m.person_id = pid AND m.status = 'active'
                   AND p.area_id IN (SELECT app_registry_area_ids(false)))
$$;

GRANT EXECUTE ON FUNCTION app_party_member_people(bigint[]), app_party_members_named(text),
  app_party_person_is_member(bigint),
  app_party_member_service(bigint), app_party_report_hours(bigint[]) TO grassroots_app;

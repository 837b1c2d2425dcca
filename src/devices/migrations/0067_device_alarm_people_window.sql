-- Who learns of an alarm's building and its vulnerable residents (0066), narrowed for the handlers
-- of a department: only while their department is the device's CURRENT owner (not the owner copied
-- onto the alarm when it was raised: a device handed to another department takes its people with
-- it), and only for alarms that are live (open, acknowledged, held) or were cleared within the
-- seven days before `as_of` (the caller's now). Staff over the grid (admins, leaders, staff, grid
-- workers of the area) keep reading every alarm of their area, as before.

CREATE FUNCTION app_alarm_people_readable(alarm bigint, as_of timestamptz) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (
    SELECT 1 FROM device_alarm al JOIN device d ON d.id = al.device_id
    WHERE al.id = alarm
      AND (al.area_id IN (SELECT app_device_area_ids(false))
           OR (d.owner_department_id = app_user_department()
               AND (al.status IN ('open', 'acknowledged', 'held')
                    OR (al.status = 'cleared' AND al.cleared_at >= as_of - interval '7 days')))))
$$;

DROP FUNCTION app_alarm_buildings(bigint[]);
DROP FUNCTION app_alarm_residents(bigint, date, integer);

-- The building of each alarm (among `alarm_ids`) whose people the caller may learn of at `as_of`.
CREATE FUNCTION app_alarm_buildings(alarm_ids bigint[], as_of timestamptz)
RETURNS TABLE (alarm_id bigint, building_id bigint, name text, address text, floors integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT al.id, b.id, b.name, b.address, b.floors
  FROM device_alarm al JOIN building b ON b.id = al.building_id
  WHERE al.id = ANY (alarm_ids) AND app_alarm_people_readable(al.id, as_of)
$$;

-- The active people of the alarm's building with a tag that calls for a knock on the door, masked
-- (family name kept), their age on `as_of`, at most `cap`, the most vulnerable first.
CREATE FUNCTION app_alarm_residents(alarm bigint, as_of timestamptz, cap integer)
RETURNS TABLE (person_id bigint, name text, age integer, sex text, tags text[], unit text, floor integer, room text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT p.id,
         CASE WHEN char_length(btrim(p.name)) <= 1 THEN '*'
              ELSE left(btrim(p.name), 1) || repeat('*', char_length(btrim(p.name)) - 1) END,
         CASE WHEN p.birth_date IS NULL THEN NULL
              ELSE extract(year FROM age(as_of::date, p.birth_date))::integer END,
         p.sex, p.tags, d.unit, d.floor, d.room
  FROM device_alarm al
  JOIN dwelling d ON d.building_id = al.building_id
  JOIN person p ON p.dwelling_id = d.id
  WHERE al.id = alarm
    AND app_alarm_people_readable(al.id, as_of)
    AND p.status = 'active'
    AND p.tags && ARRAY['elderly_alone', 'disabled', 'elderly', 'left_behind_child', 'key_care']
  ORDER BY ('elderly_alone' = ANY (p.tags)) DESC, ('disabled' = ANY (p.tags)) DESC, ('key_care' = ANY (p.tags)) DESC,
           ('left_behind_child' = ANY (p.tags)) DESC, d.unit, d.floor NULLS LAST, d.room, p.id
  LIMIT cap
$$;

GRANT EXECUTE ON FUNCTION app_alarm_people_readable(bigint, timestamptz), app_alarm_buildings(bigint[], timestamptz),
  app_alarm_residents(bigint, timestamptz, integer) TO grassroots_app;

-- What an alarm's reader learns of the building the device is in and the vulnerable people who
-- live there. The handlers of the owning department read the alarm (device_alarm_read) but not
-- the registry (building, dwelling and person are read by the area's own staff only), yet the
-- issue wants the department that must act to see the building and whom to knock on: these two
-- functions answer exactly that, for alarms the caller may read, with the names masked (family
-- name kept: 张三 → 张*) and no ID number, phone or birth date (the age on the given day only).

-- The building of each alarm (among `alarm_ids`) the caller reads.
CREATE FUNCTION app_alarm_buildings(alarm_ids bigint[])
RETURNS TABLE (alarm_id bigint, building_id bigint, name text, address text, floors integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT al.id, b.id, b.name, b.address, b.floors
  FROM device_alarm al JOIN building b ON b.id = al.building_id
  WHERE al.id = ANY (alarm_ids)
    AND (al.area_id IN (SELECT app_device_area_ids(false)) OR al.owner_department_id = app_user_department())
$$;

-- The active people of the alarm's building with a tag that calls for a knock on the door, masked,
-- at most `cap`, the most vulnerable first (living alone, disabled, key care, left-behind child, elderly).
CREATE FUNCTION app_alarm_residents(alarm bigint, on_day date, cap integer)
RETURNS TABLE (person_id bigint, name text, age integer, sex text, tags text[], unit text, floor integer, room text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT p.id,
         CASE WHEN char_length(btrim(p.name)) <= 1 THEN '*'
              ELSE left(btrim(p.name), 1) || repeat('*', char_length(btrim(p.name)) - 1) END,
         CASE WHEN p.birth_date IS NULL THEN NULL
              ELSE extract(year FROM age(on_day, p.birth_date))::integer END,
         p.sex, p.tags, d.unit, d.floor, d.room
  FROM device_alarm al
  JOIN dwelling d ON d.building_id = al.building_id
  JOIN person p ON p.dwelling_id = d.id
  WHERE al.id = alarm
    AND (al.area_id IN (SELECT app_device_area_ids(false)) OR al.owner_department_id = app_user_department())
    AND p.status = 'active'
    AND p.tags && ARRAY['elderly_alone', 'disabled', 'elderly', 'left_behind_child', 'key_care']
  ORDER BY ('elderly_alone' = ANY (p.tags)) DESC, ('disabled' = ANY (p.tags)) DESC, ('key_care' = ANY (p.tags)) DESC,
           ('left_behind_child' = ANY (p.tags)) DESC, d.unit, d.floor NULLS LAST, d.room, p.id
  LIMIT cap
$$;

GRANT EXECUTE ON FUNCTION app_alarm_buildings(bigint[]), app_alarm_residents(bigint, date, integer) TO grassroots_app;

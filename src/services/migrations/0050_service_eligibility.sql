-- What the catalogue and the applications need of the registry and the time bank without opening
-- them to residents and department handlers:
--  * the facts an eligibility rule reads of one person, in one statement (person, household size,
--    area path), for the caller's own verified person or for a person of an area whose registry
--    the caller reads (service staff at the counter);
--  * the names of the organisations delivering services (residents cannot read the registry's
--    organisation rows);
--  * paying a delivered application in hours: a 'spent' entry on the applicant's volunteer record,
--    written for the deliverer (service staff of the area, or a handler of the delivering
--    department, who are not volunteer staff); the balance CHECK refuses an overdraft.

CREATE FUNCTION app_service_person_facts(pid bigint, on_day date)
RETURNS TABLE (person_id bigint, area_id integer, area_path text, age integer, tags text[],
               residence_status text, status text, household_size integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT p.id, p.area_id, a.path,
         CASE WHEN p.birth_date IS NULL THEN NULL
              ELSE extract(year FROM age(on_day, p.birth_date))::integer END,
         p.tags, p.residence_status, p.status,
         coalesce((SELECT count(*)::integer FROM household_member m2
                   WHERE m2.household_id = m.household_id), 1)
  FROM person p
  JOIN area a ON a.id = p.area_id
  LEFT JOIN household_member m ON m.person_id = p.id
  WHERE p.id = pid
    AND (EXISTS (SELECT 1 FROM resident_verification v WHERE v.user_id = app_user_id() AND v.person_id = pid)
         OR p.area_id IN (SELECT app_registry_area_ids(false)))
$$;

CREATE FUNCTION app_organisation_names(ids bigint[])
RETURNS TABLE (id bigint, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT o.id, o.name FROM organisation o WHERE o.id = ANY (ids)
$$;

-- Returns the volunteer charged, or null when the applicant has no volunteer record.
CREATE FUNCTION app_service_pay_hours(app_id bigint, at timestamptz)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  a record;
  vid bigint;
BEGIN
  SELECT s.id, s.area_id, s.person_id, s.department_id, sv.time_bank_hours AS hours
    INTO a
    FROM service_application s JOIN service sv ON sv.id = s.service_id
    WHERE s.id = app_id AND s.pay_with_hours;
  IF a.id IS NULL OR a.hours IS NULL THEN
    RETURN NULL;
  END IF;
  IF NOT (app_services_staff(a.area_id)
          OR (a.department_id IS NOT NULL AND a.department_id = app_user_department())) THEN
    RAISE EXCEPTION 'not a deliverer of application %', app_id USING ERRCODE = '42501';
  END IF;
  SELECT v.id INTO vid FROM volunteer v WHERE v.person_id = a.person_id;
  IF vid IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO time_bank_entry (volunteer_id, area_id, kind, hours, application_id, note, created_by, created_at)
    VALUES (vid, a.area_id, 'spent', -a.hours, a.id, 'service delivered', nullif(app_user_id(), 0), at);
  RETURN vid;
END
$$;

REVOKE ALL ON FUNCTION app_service_person_facts(bigint, date), app_organisation_names(bigint[]),
  app_service_pay_hours(bigint, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_service_person_facts(bigint, date), app_organisation_names(bigint[]),
  app_service_pay_hours(bigint, timestamptz) TO grassroots_app;

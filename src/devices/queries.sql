-- devices: an area subtree, one type and state
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select 
  d.id, d.code, d.type, d.name, d.state, d.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, d.building_id, d.place, d.owner_department_id,
  d.owner_organisation_id, dep.name_zh as department_name_zh, dep.name_en as department_name_en,
  d.last_seen_at, d.last_values, d.battery,
  (select count(*) from device_alarm al where al.device_id = d.id
     and al.status in ('open', 'acknowledged', 'held'))::int as open_alarms from device d 
  join area a on a.id = d.area_id
  left join department dep on dep.id = d.owner_department_id
    where true and d.area_id in (select id from area where path like $1) and d.type = $2 and d.state = $3 and d.id > $4 order by d.id limit $5;
-- parameters: ["/1/2/3/6/%","smoke","active",0,51]

select count(*)::int as n from (select 1 from device d where true and d.area_id in (select id from area where path like $1) and d.type = $2 and d.state = $3 limit $4) c;
-- parameters: ["/1/2/3/6/%","smoke","active",10001]

-- devices: by code or name, a keyset page
select 
  d.id, d.code, d.type, d.name, d.state, d.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, d.building_id, d.place, d.owner_department_id,
  d.owner_organisation_id, dep.name_zh as department_name_zh, dep.name_en as department_name_en,
  d.last_seen_at, d.last_values, d.battery,
  (select count(*) from device_alarm al where al.device_id = d.id
     and al.status in ('open', 'acknowledged', 'held'))::int as open_alarms from device d 
  join area a on a.id = d.area_id
  left join department dep on dep.id = d.owner_department_id
    where true and (d.code ilike $1 or d.name like $2) and d.id > $3 order by d.id limit $4;
-- parameters: ["GH%","GH%",1000,51]

select count(*)::int as n from (select 1 from device d where true and (d.code ilike $1 or d.name like $2) limit $3) c;
-- parameters: ["GH%","GH%",10001]

-- alarms: live ones of an area
select "path" from "area" where "id" = $1;
-- parameters: [6]

select al.id, al.kind, al.severity, al.status, al.action, al.value, al.occurrences, al.raised_at, al.last_at,
         al.cleared_at, al.case_id, al.incident_id, al.building_id, d.id as device_id, d.code as device_code,
         d.name as device_name, d.type as device_type, d.state as device_state, a.id as area_id, a.code as area_code,
         a.name_zh as area_name_zh, a.name_en as area_name_en, a.path as area_path, c.tracking_code, c.state as case_state
  from device_alarm al
  join device d on d.id = al.device_id
  join area a on a.id = al.area_id
  left join cases c on c.id = al.case_id 
    where ($1::text[] is null or al.status = any($2::text[]))
      and ($3::text is null or al.severity = $4)
      and ($5::text is null or al.area_id in (select id from area where path like $6))
      and ($7::bigint is null or al.device_id = $8)
      and ($9::bigint is null or al.case_id = $10)
      and ($11::bigint is null or al.id < $12)
    order by al.id desc limit $13;
-- parameters: [["open","acknowledged","held"],["open","acknowledged","held"],null,null,"/1/2/3/6/","/1/2/3/6/%",null,null,null,null,null,null,20]

select count(*) as n from (select 1 from device_alarm al 
    where ($1::text[] is null or al.status = any($2::text[]))
      and ($3::text is null or al.severity = $4)
      and ($5::text is null or al.area_id in (select id from area where path like $6))
      and ($7::bigint is null or al.device_id = $8)
      and ($9::bigint is null or al.case_id = $10) limit $11) m;
-- parameters: [["open","acknowledged","held"],["open","acknowledged","held"],null,null,"/1/2/3/6/","/1/2/3/6/%",null,null,null,null,10000]

-- alarms: critical of a device, a keyset page
select al.id, al.kind, al.severity, al.status, al.action, al.value, al.occurrences, al.raised_at, al.last_at,
         al.cleared_at, al.case_id, al.incident_id, al.building_id, d.id as device_id, d.code as device_code,
         d.name as device_name, d.type as device_type, d.state as device_state, a.id as area_id, a.code as area_code,
         a.name_zh as area_name_zh, a.name_en as area_name_en, a.path as area_path, c.tracking_code, c.state as case_state
  from device_alarm al
  join device d on d.id = al.device_id
  join area a on a.id = al.area_id
  left join cases c on c.id = al.case_id 
    where ($1::text[] is null or al.status = any($2::text[]))
      and ($3::text is null or al.severity = $4)
      and ($5::text is null or al.area_id in (select id from area where path like $6))
      and ($7::bigint is null or al.device_id = $8)
      and ($9::bigint is null or al.case_id = $10)
      and ($11::bigint is null or al.id < $12)
    order by al.id desc limit $13;
-- parameters: [["open","acknowledged","held"],["open","acknowledged","held"],"critical","critical",null,"%",1,1,null,null,100,100,20]

select count(*) as n from (select 1 from device_alarm al 
    where ($1::text[] is null or al.status = any($2::text[]))
      and ($3::text is null or al.severity = $4)
      and ($5::text is null or al.area_id in (select id from area where path like $6))
      and ($7::bigint is null or al.device_id = $8)
      and ($9::bigint is null or al.case_id = $10) limit $11) m;
-- parameters: [["open","acknowledged","held"],["open","acknowledged","held"],"critical","critical",null,"%",1,1,null,null,10000]

-- alarm rules: that apply in an area
select "path" from "area" where "id" = $1;
-- parameters: [6]

select r.id, r.device_type, r.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
         a.path as area_path, r.name, r.trigger, r.alarm_kind, r.metric, r.comparison, r.threshold, r.clear_threshold,
         r.consecutive, r.severity, r.action, r.category_id, c.code as category_code, c.name_zh as category_name_zh,
         c.name_en as category_name_en, r.incident_kind, r.dedupe_minutes, r.enabled, r.updated_at, r.version
  from device_alarm_rule r
  left join area a on a.id = r.area_id
  left join case_category c on c.id = r.category_id
    where ($1::text is null or r.device_type = $2)
      and ($3::text is null or r.area_id is null or $4 like a.path || '%')
    order by r.device_type, length(coalesce(a.path, '')), r.id
    limit 1000;
-- parameters: [null,null,"/1/2/3/6/","/1/2/3/6/"]

-- incidents: active first
select count(*) as "n" from (select 1 as "x" from "incident" as "i" inner join "area" as "a" on "a"."id" = "i"."area_id" limit $1) as "t";
-- parameters: [10020]

select "i"."id", "i"."reference", "i"."area_id", "a"."name_zh", "a"."name_en", "i"."kind", "i"."level", "i"."title", "i"."status", "i"."drill", "i"."commander_id", "i"."declared_at", "i"."closed_at", (select count(*)::int from incident_grid g where g.incident_id = i.id) as "grid_count", (select n.display_name from app_display_names(array[i.commander_id]) n) as "commander_name" from "incident" as "i" inner join "area" as "a" on "a"."id" = "i"."area_id" order by case when i.status = 'active' then 0 else 1 end, "i"."declared_at" desc, "i"."id" desc limit $1 offset $2;
-- parameters: [20,0]

-- incidents: real heatwaves of an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*) as "n" from (select 1 as "x" from "incident" as "i" inner join "area" as "a" on "a"."id" = "i"."area_id" where "a"."path" like $1 and "i"."kind" = $2 and "i"."drill" = $3 limit $4) as "t";
-- parameters: ["/1/2/3/6/%","heatwave",false,10020]

select "i"."id", "i"."reference", "i"."area_id", "a"."name_zh", "a"."name_en", "i"."kind", "i"."level", "i"."title", "i"."status", "i"."drill", "i"."commander_id", "i"."declared_at", "i"."closed_at", (select count(*)::int from incident_grid g where g.incident_id = i.id) as "grid_count", (select n.display_name from app_display_names(array[i.commander_id]) n) as "commander_name" from "incident" as "i" inner join "area" as "a" on "a"."id" = "i"."area_id" where "a"."path" like $1 and "i"."kind" = $2 and "i"."drill" = $3 order by case when i.status = 'active' then 0 else 1 end, "i"."declared_at" desc, "i"."id" desc limit $4 offset $5;
-- parameters: ["/1/2/3/6/%","heatwave",false,20,0]

-- check list: first page
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select c.id, c.person_id, c.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
         c.tags, c.status, c.note, c.observed_at, c.checked_by, c.reached_at, c.escalated_at, c.updated_at, c.version
  from incident_check c join area a on a.id = c.area_id where c.incident_id = $1 and true
    order by c.area_id, c.id limit $2;
-- parameters: [1,201]

select count(*)::int as n from incident_check c where c.incident_id = $1;
-- parameters: [1]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","emergency.checks.read","incident","1",6,"127.0.0.1",null,"{\"count\":0}"]

-- check list: a grid, unreachable, after a cursor
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select c.id, c.person_id, c.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
         c.tags, c.status, c.note, c.observed_at, c.checked_by, c.reached_at, c.escalated_at, c.updated_at, c.version
  from incident_check c join area a on a.id = c.area_id where c.incident_id = $1 and c.area_id = $2 and c.status = $3 and (c.area_id, c.id) > (select k.area_id, k.id from incident_check k where k.id = $4 and k.incident_id = $5)
    order by c.area_id, c.id limit $6;
-- parameters: [1,7,"unreachable",100,1,201]

select count(*)::int as n from incident_check c where c.incident_id = $1 and c.area_id = $2 and c.status = $3;
-- parameters: [1,7,"unreachable"]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","emergency.checks.read","incident","1",6,"127.0.0.1",null,"{\"count\":0,\"gridId\":7,\"status\":\"unreachable\"}"]

-- check list: per grid
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select s.area_id, a.code, a.name_zh, a.name_en,
           count(c.id)::int as total,
           count(c.id) filter (where c.status = 'pending')::int as pending,
           count(c.id) filter (where c.status = 'safe')::int as safe,
           count(c.id) filter (where c.status = 'needs_help')::int as needs_help,
           count(c.id) filter (where c.status = 'unreachable')::int as unreachable,
           count(c.id) filter (where c.status = 'unreachable' and c.escalated_at is not null)::int as escalated
    from (select distinct g.area_id from app_incident_grid_scope() g where g.incident_id = $1) s
    join area a on a.id = s.area_id
    left join incident_check c on c.incident_id = $2 and c.area_id = s.area_id
    group by s.area_id, a.code, a.name_zh, a.name_en
    order by a.code;
-- parameters: [1,1]

-- alerts: of an incident
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select a.id, a.incident_id, a.template, a.note_zh, a.note_en, a.grid_ids, a.resend_of, a.resend_to,
  a.drill, a.status, a.created_at, a.expanded_at, a.created_by, count(*) over ()::int as total
    from incident_alert a
    where a.incident_id = $1
    order by a.id desc limit $2 offset $3;
-- parameters: [1,20,0]

-- alerts: one alert per grid
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select a.id, a.incident_id, a.template, a.note_zh, a.note_en, a.grid_ids, a.resend_of, a.resend_to,
  a.drill, a.status, a.created_at, a.expanded_at, a.created_by from incident_alert a
    where a.id = $1 and a.incident_id = $2;
-- parameters: [1,1]

-- tasks: open ones
select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version
    from incident i join area a on a.id = i.area_id where i.id = $1;
-- parameters: [1]

select count(*)::int as n from incident_task t where t.incident_id = $1
    and t.status = $2;
-- parameters: [1,"open"]

select t.id, t.incident_id, i.reference, i.title as incident_title, i.drill, i.status as incident_status,
  i.commander_id, ia.path as area_path, t.title, t.description, ST_X(t.location) as lng, ST_Y(t.location) as lat,
  t.building_id, b.name as building_name, t.area_id, g.name_zh as grid_name, t.team, t.assignee_id, t.status,
  t.priority, t.due_at, t.result, t.created_at, t.updated_at, t.done_at, t.version from incident_task t join incident i on i.id = t.incident_id join area ia on ia.id = i.area_id
  left join building b on b.id = t.building_id left join area g on g.id = t.area_id where t.incident_id = $1
    and t.status = $2
    
    order by array_position(array['in_progress','open','done','cancelled'], t.status), t.priority = 'normal',
             t.due_at nulls last, t.id
    limit $3 offset $4;
-- parameters: [1,"open",50,0]

-- resources: an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as n
    from emergency_resource r join area a on a.id = r.area_id where true and a.path like $1 || '%';
-- parameters: ["/1/2/3/6/"]

select r.id, r.area_id, a.name_zh as area_name, a.path as area_path, r.kind, r.name, r.unit,
  r.quantity, r.available, r.place, ST_X(r.location) as lng, ST_Y(r.location) as lat, r.updated_at, r.version
  from emergency_resource r join area a on a.id = r.area_id where true and a.path like $1 || '%' 
    order by a.path, r.kind, r.name, r.id limit $2 offset $3;
-- parameters: ["/1/2/3/6/",100,0]

-- incidents: statistics, real and drills apart
with s as (select i.id, i.kind, i.level, i.drill, i.status, i.declared_at from incident i join area a on a.id = i.area_id
    where ($1::timestamptz is null or i.declared_at >= $2::timestamptz)
      and ($3::timestamptz is null or i.declared_at < $4::timestamptz)
      and ($5::text is null or a.path like $6::text || '%'))
    select drill, kind, level, count(*)::int as n, count(*) filter (where status = 'active')::int as active
    from s group by drill, kind, level order by drill, kind, level;
-- parameters: ["2026-10-31T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-11-30T16:00:00.000Z","2026-11-30T16:00:00.000Z",null,null]

with s as (select i.id, i.kind, i.level, i.drill, i.status, i.declared_at from incident i join area a on a.id = i.area_id
    where ($1::timestamptz is null or i.declared_at >= $2::timestamptz)
      and ($3::timestamptz is null or i.declared_at < $4::timestamptz)
      and ($5::text is null or a.path like $6::text || '%'))
    select s.drill, count(*)::int as reached,
      avg(extract(epoch from (c.reached_at - s.declared_at)) / 60)::float8 as avg_minutes
    from s join incident_check c on c.incident_id = s.id
    where c.reached_at is not null group by s.drill;
-- parameters: ["2026-10-31T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-11-30T16:00:00.000Z","2026-11-30T16:00:00.000Z",null,null]

with s as (select i.id, i.kind, i.level, i.drill, i.status, i.declared_at from incident i join area a on a.id = i.area_id
    where ($1::timestamptz is null or i.declared_at >= $2::timestamptz)
      and ($3::timestamptz is null or i.declared_at < $4::timestamptz)
      and ($5::text is null or a.path like $6::text || '%'))
    select s.drill, count(*)::int as n from s join incident_alert_recipient r on r.incident_id = s.id
    where r.status = 'sent' group by s.drill;
-- parameters: ["2026-10-31T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-11-30T16:00:00.000Z","2026-11-30T16:00:00.000Z",null,null]

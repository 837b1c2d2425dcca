-- organisations: an area subtree, branches
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select 
  o.id, o.code, o.name, o.kind, o.sector, o.status, o.parent_id, p.code as parent_code, p.name as parent_name,
  o.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en, a.level as area_level,
  (select count(*) from party_member m where m.organisation_id = o.id and m.status = 'active')::int as members from party_organisation o 
  join area a on a.id = o.area_id
  left join party_organisation p on p.id = o.parent_id
    where true and o.area_id in (select id from area where path like $1) and o.kind = $2 and o.status = $3 order by o.code limit $4 offset $5;
-- parameters: ["/1/2/3/6/%","branch","active",50,0]

select count(*)::int as n from party_organisation o where true and o.area_id in (select id from area where path like $1) and o.kind = $2 and o.status = $3;
-- parameters: ["/1/2/3/6/%","branch","active"]

-- organisations: by code or name
select 
  o.id, o.code, o.name, o.kind, o.sector, o.status, o.parent_id, p.code as parent_code, p.name as parent_name,
  o.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en, a.level as area_level,
  (select count(*) from party_member m where m.organisation_id = o.id and m.status = 'active')::int as members from party_organisation o 
  join area a on a.id = o.area_id
  left join party_organisation p on p.id = o.parent_id
    where true and (o.code ilike $1 or o.name ilike $2) order by o.code limit $3 offset $4;
-- parameters: ["%桂花%","%桂花%",50,0]

select count(*)::int as n from party_organisation o where true and (o.code ilike $1 or o.name ilike $2);
-- parameters: ["%桂花%","%桂花%"]

-- organisations: the tree of an area's branch
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

with recursive chain(id) as (
      select o.id from party_organisation o where true and o.area_id in (select id from area where path like $1) and o.status = 'active'
      union
      select o.parent_id from party_organisation o join chain c on o.id = c.id where o.parent_id is not null)
    select 
  o.id, o.code, o.name, o.kind, o.sector, o.status, o.parent_id, p.code as parent_code, p.name as parent_name,
  o.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en, a.level as area_level,
  (select count(*) from party_member m where m.organisation_id = o.id and m.status = 'active')::int as members from party_organisation o 
  join area a on a.id = o.area_id
  left join party_organisation p on p.id = o.parent_id
    where o.id in (select id from chain) order by o.code limit $2;
-- parameters: ["/1/2/3/6/%",3001]

-- coverage: communities, grids and compounds without an organisation
select "id", "code", "name_zh", "name_en", "path", "level" from "area" where "id" = $1;
-- parameters: [6]

select x.id, x.code, x.name_zh, x.name_en from area x
      where x.level = $1 and x.retired_at is null and x.path like $2
        and x.id not in (select app_party_covered_areas())
      order by x.code limit $3;
-- parameters: ["community","/1/2/3/6/%",200]

select count(*)::int as total,
        count(*) filter (where x.id not in (select app_party_covered_areas()))::int as uncovered
      from area x where x.level = $1 and x.retired_at is null and x.path like $2;
-- parameters: ["community","/1/2/3/6/%"]

select x.id, x.code, x.name_zh, x.name_en from area x
      where x.level = $1 and x.retired_at is null and x.path like $2
        and x.id not in (select app_party_covered_areas())
      order by x.code limit $3;
-- parameters: ["grid","/1/2/3/6/%",200]

select count(*)::int as total,
        count(*) filter (where x.id not in (select app_party_covered_areas()))::int as uncovered
      from area x where x.level = $1 and x.retired_at is null and x.path like $2;
-- parameters: ["grid","/1/2/3/6/%"]

select count(*)::int as total, count(*) filter (where b.id not in (select app_party_covered_buildings()))::int as uncovered
    from building b where b.kind in ('residential', 'mixed') and b.area_id in (select id from area where path like $1);
-- parameters: ["/1/2/3/6/%"]

select b.id, b.code, b.name, b.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en
    from building b join area a on a.id = b.area_id
    where b.kind in ('residential', 'mixed') and b.area_id in (select id from area where path like $1) and b.id not in (select app_party_covered_buildings()) order by b.code limit $2;
-- parameters: ["/1/2/3/6/%",200]

-- members: an area, reporting, by name
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as "n" from "party_member" as "m" where "m"."status" = $1 and "m"."area_id" in (select "id" from "area" where "path" like $2) and exists (select 1 from party_member_report r where r.member_id = m.id and r.status = 'active') and "m"."id" in (select app_party_members_named($3));
-- parameters: ["active","/1/2/3/6/%","王%"]

select "m"."id", "m"."person_id", "m"."organisation_id", "m"."area_id", "m"."role", "m"."standing", "m"."joined_on", "m"."workplace_kind", "m"."workplace_department_id", "m"."workplace_organisation_id", "m"."user_id", "m"."status", "m"."left_on", "m"."version" from "party_member" as "m" where "m"."status" = $1 and "m"."area_id" in (select "id" from "area" where "path" like $2) and exists (select 1 from party_member_report r where r.member_id = m.id and r.status = 'active') and "m"."id" in (select app_party_members_named($3)) order by "m"."organisation_id", case m.role when 'secretary' then 0 when 'deputy_secretary' then 1 when 'committee_member' then 2 else 3 end, "m"."id" limit $4 offset $5;
-- parameters: ["active","/1/2/3/6/%","王%",50,0]

-- members: an organisation
select count(*)::int as "n" from "party_member" as "m" where "m"."status" = $1 and "m"."organisation_id" = $2;
-- parameters: ["active",1]

select "m"."id", "m"."person_id", "m"."organisation_id", "m"."area_id", "m"."role", "m"."standing", "m"."joined_on", "m"."workplace_kind", "m"."workplace_department_id", "m"."workplace_organisation_id", "m"."user_id", "m"."status", "m"."left_on", "m"."version" from "party_member" as "m" where "m"."status" = $1 and "m"."organisation_id" = $2 order by "m"."organisation_id", case m.role when 'secretary' then 0 when 'deputy_secretary' then 1 when 'committee_member' then 2 else 3 end, "m"."id" limit $3 offset $4;
-- parameters: ["active",1,50,0]

-- reports to communities: an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as "n" from "party_member_report" as "r" where "r"."status" = $1 and "r"."area_id" in (select "id" from "area" where "path" like $2);
-- parameters: ["active","/1/2/3/6/%"]

select "r"."id" from "party_member_report" as "r" where "r"."status" = $1 and "r"."area_id" in (select "id" from "area" where "path" like $2) order by "r"."reported_on" desc, "r"."id" desc limit $3 offset $4;
-- parameters: ["active","/1/2/3/6/%",50,0]

-- assignments: on a case
select "x"."id", "x"."member_id", "x"."grid_id", "g"."name_zh" as "grid_name", "x"."case_id", "c"."tracking_code", "c"."state", "x"."note", "x"."assigned_at", "x"."ended_at" from "party_assignment" as "x" left join "area" as "g" on "g"."id" = "x"."grid_id" left join "cases" as "c" on "c"."id" = "x"."case_id" where "x"."case_id" = $1 and "x"."ended_at" is null order by x.ended_at is null desc, "x"."assigned_at" desc, "x"."id" desc limit $2;
-- parameters: [1,200]

-- co-building agreements: an area
select "path" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as n
    from cobuild_agreement g join area a on a.id = g.area_id where true and a.path like $1 || '%';
-- parameters: ["/1/2/3/6/"]

select g.id, g.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, a.level as area_level, g.unit_kind, g.unit_name,
  g.unit_department_id, d.name_zh as unit_department_name, g.unit_organisation_id, o.name as unit_organisation_name,
  g.unit_party_organisation_id, po.name as unit_party_organisation_name, g.contact_name, g.signed_on, g.ends_on,
  g.status, g.version, g.updated_at,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'need')::int as needs,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'resource'
     and i.status <> 'cancelled')::int as resources,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'project')::int as projects,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'project'
     and i.status = 'done')::int as projects_done
  from cobuild_agreement g join area a on a.id = g.area_id
  left join department d on d.id = g.unit_department_id
  left join organisation o on o.id = g.unit_organisation_id
  left join party_organisation po on po.id = g.unit_party_organisation_id where true and a.path like $1 || '%'
    
    order by g.status, a.path, g.signed_on desc, g.id desc limit $2 offset $3;
-- parameters: ["/1/2/3/6/",50,0]

-- co-building: open needs of an area
select "path" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as n
    from cobuild_item i join area a on a.id = i.area_id where true and a.path like $1 || '%'
    and i.list = $2 and i.status = $3;
-- parameters: ["/1/2/3/6/","need","open"]

select i.id, i.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, i.list, i.agreement_id, g.unit_name, g.status as agreement_status,
  i.topic, i.title, i.description, i.status, i.need_id, n.title as need_title, i.resource_id,
  r.title as resource_title, i.due_on, i.done_on, i.outcome, i.beneficiaries, i.version, i.created_at, i.updated_at
  from cobuild_item i join area a on a.id = i.area_id
  left join cobuild_agreement g on g.id = i.agreement_id
  left join cobuild_item n on n.id = i.need_id
  left join cobuild_item r on r.id = i.resource_id where true and a.path like $1 || '%'
    and i.list = $2 and i.status = $3
    
    
    order by case i.status when 'in_progress' then 0 when 'open' then 1 when 'matched' then 2 when 'done' then 3 else 4 end,
      i.created_at desc, i.id desc limit $4 offset $5;
-- parameters: ["/1/2/3/6/","need","open",50,0]

-- statistics: an area and its children, a year
with scope as (
      select a.id, a.code, a.name_zh, a.name_en, a.level, a.path, 0 as ord
        from area a where a.id = $1
      union all
      select c.id, c.code, c.name_zh, c.name_en, c.level, c.path, 1 as ord
        from area c where c.parent_id = $2 and c.retired_at is null
    )
    select r.id, r.code, r.name_zh, r.name_en, r.level, r.ord,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active')::int as organisations,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = $3)::int as committees,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = $4)::int as general_branches,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = $5)::int as branches,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = $6)::int as groups,
      (select count(*) from party_member m join area ma on ma.id = m.area_id
        where ma.path like r.path || '%' and m.status = 'active')::int as members,
      (select count(*) from party_member m join area ma on ma.id = m.area_id
        where ma.path like r.path || '%' and m.status = 'active' and m.standing = 'probationary')::int as probationary,
      (select count(*) from area c where c.path like r.path || '%' and c.level = 'community' and c.retired_at is null
        and not exists (select 1 from party_organisation o where o.area_id = c.id and o.status = 'active'))::int
        as communities_without,
      (select count(*) from area c where c.path like r.path || '%' and c.level = 'grid' and c.retired_at is null
        and not exists (select 1 from party_organisation o where o.area_id = c.id and o.status = 'active'))::int
        as grids_without,
      (select count(*) from building b join area ba on ba.id = b.area_id
        where ba.path like r.path || '%' and b.kind = 'residential'
        and not exists (select 1 from party_organisation_building pb
          join party_organisation o on o.id = pb.organisation_id
          where pb.building_id = b.id and o.status = 'active'))::int as buildings_uncovered,
      (select count(*) from party_member_report p join area pa on pa.id = p.area_id
        where pa.path like r.path || '%' and p.status = 'active')::int as members_reported,
      (select coalesce(sum(t.hours), 0) from time_bank_entry t
        where t.kind = 'earned' and t.created_at >= ($7::date::timestamp at time zone 'Asia/Shanghai') and t.created_at < (($8::date + 1)::timestamp at time zone 'Asia/Shanghai')
        and t.volunteer_id in (select p.volunteer_id from party_member_report p join area pa on pa.id = p.area_id
          where pa.path like r.path || '%' and p.volunteer_id is not null and p.reported_on <= $9::date
          and (p.withdrawn_on is null or p.withdrawn_on >= $10::date)))::float8 as service_hours,
      (select count(*) from cobuild_agreement g join area ga on ga.id = g.area_id
        where ga.path like r.path || '%' and g.status = 'active')::int as agreements_active,
      (select count(*) from cobuild_item i join area ia on ia.id = i.area_id
        where ia.path like r.path || '%' and i.list = 'project' and i.status = 'done'
        and i.done_on between $11::date and $12::date)::int as projects_done,
      (select count(*) from cases k join area ka on ka.id = k.area_id
        where ka.path like r.path || '%' and exists (select 1 from party_assignment pa
          where pa.case_id = k.id and pa.assigned_at < (($13::date + 1)::timestamp at time zone 'Asia/Shanghai') and (pa.ended_at is null or pa.ended_at >= ($14::date::timestamp at time zone 'Asia/Shanghai'))))::int
        as cases_with_member,
      (select count(*) from cases k join area ka on ka.id = k.area_id
        where ka.path like r.path || '%' and k.state in ('closed', 'rated') and exists (select 1 from party_assignment pa
          where pa.case_id = k.id and pa.assigned_at < (($15::date + 1)::timestamp at time zone 'Asia/Shanghai') and (pa.ended_at is null or pa.ended_at >= ($16::date::timestamp at time zone 'Asia/Shanghai'))))::int
        as cases_closed
    from scope r order by r.ord, r.code;
-- parameters: [6,6,"committee","general_branch","branch","group","2026-01-01","2026-11-23","2026-11-23","2026-01-01","2026-01-01","2026-11-23","2026-11-23","2026-01-01","2026-11-23","2026-01-01"]

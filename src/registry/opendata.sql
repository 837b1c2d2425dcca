-- by area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select (select c.code from area c where c.path = substring(a.path from '^' || $1 || '[0-9]+/')) as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age($2::date, p.birth_date))::int as age) ages
    
    where p.status = 'active' and a.path like $3
    group by 1 order by 1;
-- parameters: ["/1/2/3/6/","2026-11-23","/1/2/3/6/%"]

-- by sex
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select p.sex as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age($1::date, p.birth_date))::int as age) ages
    
    where p.status = 'active' and a.path like $2
    group by 1 order by 1;
-- parameters: ["2026-11-23","/1/2/3/6/%"]

-- by age band
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select case when age < 18 then '0-17' when age < 35 then '18-34' when age < 60 then '35-59' when age < 80 then '60-79' when age is null then 'unknown' else '80+' end as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age($1::date, p.birth_date))::int as age) ages
    
    where p.status = 'active' and a.path like $2
    group by 1 order by 1;
-- parameters: ["2026-11-23","/1/2/3/6/%"]

-- by residence status
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select p.residence_status as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age($1::date, p.birth_date))::int as age) ages
    
    where p.status = 'active' and a.path like $2
    group by 1 order by 1;
-- parameters: ["2026-11-23","/1/2/3/6/%"]

-- by care group
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select t.tag as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age($1::date, p.birth_date))::int as age) ages
    cross join lateral unnest(p.tags) as t(tag)
    where p.status = 'active' and a.path like $2
    group by 1 order by 1;
-- parameters: ["2026-11-23","/1/2/3/6/%"]

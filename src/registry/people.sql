-- resident ID (blind index)
select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "p"."id_number_bidx" = $1 and "p"."status" != $2 order by p.name asc, "p"."id" limit $3 offset $4;
-- parameters: ["21a0c38cbaca597141909eb4e490ab2c935db4e8","merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"idNumber\"],\"results\":0}"]

-- phone (blind index)
select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "p"."phone_bidx" = $1 and "p"."status" != $2 order by p.name asc, "p"."id" limit $3 offset $4;
-- parameters: ["9180e1356d89f59ae75db8d5fbb72c4ba649001d","merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"phone\"],\"results\":0}"]

-- surname
select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join app_person_matches($1, $2, $3, $4, $5) as "m" on "m"."id" = "p"."id" where "p"."status" != $6 order by p.name asc, "p"."id" limit $7 offset $8;
-- parameters: ["surname","王","王%",null,1000,"merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"name\"],\"results\":0}"]

-- two-character name
select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", m.score as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join app_person_matches($1, $2, $3, $4, $5) as "m" on "m"."id" = "p"."id" where "p"."status" != $6 order by m.score desc, "p"."id" limit $7 offset $8;
-- parameters: ["name","王芳","%王芳%",null,1000,"merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"name\"],\"results\":0}"]

-- part of a name
select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", m.score as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join app_person_matches($1, $2, $3, $4, $5) as "m" on "m"."id" = "p"."id" where "p"."status" != $6 order by m.score desc, "p"."id" limit $7 offset $8;
-- parameters: ["name_part","王小芳","%王小芳%",null,1000,"merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"name\"],\"results\":0}"]

-- address
select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", m.score as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join app_person_matches($1, $2, $3, $4, $5) as "m" on "m"."id" = "p"."id" where "p"."status" != $6 order by m.score desc, "p"."id" limit $7 offset $8;
-- parameters: ["address","桂花","%桂花%",null,1000,"merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"address\"],\"results\":0}"]

-- free text as ID
select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "p"."id_number_bidx" = $1 and "p"."status" != $2 order by p.name asc, "p"."id" limit $3 offset $4;
-- parameters: ["21a0c38cbaca597141909eb4e490ab2c935db4e8","merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"idNumber\"],\"results\":0}"]

-- free text as name
select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join app_person_matches($1, $2, $3, $4, $5) as "m" on "m"."id" = "p"."id" where "p"."status" != $6 order by p.name asc, "p"."id" limit $7 offset $8;
-- parameters: ["surname","李","李%",null,1000,"merged",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[\"name\"],\"results\":0}"]

-- care tags in an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where p.tags @> $1::text[] and "p"."status" != $2 and p.area_id in (select id from area where path like $3) order by p.name asc, "p"."id" limit $4 offset $5;
-- parameters: [["elderly_alone"],"merged","/1/2/3/6/%",50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,6,"127.0.0.1",null,"{\"by\":[],\"results\":0}"]

-- residence status and age
select "p"."id", "p"."area_id", "p"."district_id", "p"."name", "p"."id_type", "p"."id_number_masked", "p"."sex", "p"."birth_date", "p"."phone_masked", "p"."registered_place", "p"."residence_status", "p"."address", "p"."dwelling_id", "p"."moved_in_on", "p"."moved_out_on", "p"."died_on", "p"."status", "p"."tags", "p"."merged_into_id", "p"."version", "p"."created_at", "p"."updated_at", "a"."code" as "area_code", "a"."name_zh" as "area_name", null::real as "score", count(*) over () as "total" from "person" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "p"."residence_status" = $1 and "p"."status" != $2 and "p"."birth_date" <= ($3::date - make_interval(years => $4))::date and "p"."birth_date" > ($5::date - make_interval(years => $6))::date order by p.name asc, "p"."id" limit $7 offset $8;
-- parameters: ["registered","merged","2026-11-23",60,"2026-11-23",81,50,0]

insert into "audit_log" ("actor_id", "actor_name", "action", "entity_type", "entity_id", "area_id", "ip", "purpose", "detail") values ($1, $2, $3, $4, $5, $6, $7, $8, $9);
-- parameters: [1,"admin","person.search","person",null,null,"127.0.0.1",null,"{\"by\":[],\"results\":0}"]

-- suspected duplicates
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

with live as (select id, name, birth_date, phone_bidx from person where status <> 'merged' and area_id in (select id from area where path like $1)),
    pairs as (
      select x.id as a, y.id as b, 'same_name_and_birth_date' as reason from live x join live y on x.name = y.name and x.birth_date = y.birth_date and x.id < y.id
      union
      select x.id, y.id, 'same_phone' from live x join live y on x.phone_bidx = y.phone_bidx and x.id < y.id
    )
    select a, b, min(reason) as reason, count(*) over () as total from pairs
    where not exists (select 1 from person_distinct d where d.person_a = pairs.a and d.person_b = pairs.b)
    group by a, b order by a, b limit $2 offset $3;
-- parameters: ["/1/2/3/6/%",50,0]

select "id", "area_id", "district_id", "name", "id_type", "id_number_masked", "sex", "birth_date", "phone_masked", "registered_place", "residence_status", "address", "dwelling_id", "moved_in_on", "moved_out_on", "died_on", "status", "tags", "merged_into_id", "version", "created_at", "updated_at" from "person" where "id" in ($1, $2);
-- parameters: [101,102]

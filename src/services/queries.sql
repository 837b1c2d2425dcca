-- services: the catalogue as its staff see it
select count(*) as "n" from (select 1 as "x" from "service" as "s" inner join "area" as "a" on "a"."id" = "s"."area_id" where ("s"."status" = $1 or "a"."path" like $2) limit $3) as "t";
-- parameters: ["active","/1/%",10020]

select "s"."id", "s"."code", "s"."area_id", "a"."name_zh", "a"."name_en", "s"."category", "s"."name", left(s.description, 121) as "description_start", "s"."status", "s"."review_days", "s"."delivery_days", "s"."time_bank_hours", jsonb_array_length(s.eligibility) as "rule_count", "s"."updated_at" from "service" as "s" inner join "area" as "a" on "a"."id" = "s"."area_id" where ("s"."status" = $1 or "a"."path" like $2) order by "s"."category", "s"."name", "s"."id" limit $3 offset $4;
-- parameters: ["active","/1/%",20,0]

-- applications: newest first
select count(*) as "n" from (select 1 as "one" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."area_id" in (select "id" from "area" where "path" like $1) limit $2) as "t";
-- parameters: ["/1/%",10020]

select "x"."id", "x"."reference", "x"."service_id", "s"."name" as "service_name", "s"."category", "x"."area_id", "a"."name_zh", "a"."name_en", "a"."path" as "area_path", "pe"."name" as "person_name", "x"."status", "x"."channel", "x"."pay_with_hours", "x"."due_at", "x"."rating", "x"."created_at", "x"."updated_at" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."area_id" in (select "id" from "area" where "path" like $1) order by "x"."id" desc limit $2 offset $3;
-- parameters: ["/1/%",20,0]

-- applications: an area subtree, open by deadline
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*) as "n" from (select 1 as "one" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."area_id" in (select "id" from "area" where "path" like $1) and "x"."status" = $2 and "x"."area_id" in (select "id" from "area" where "path" like $3) limit $4) as "t";
-- parameters: ["/1/2/3/6/%","submitted","/1/%",10020]

select "x"."id", "x"."reference", "x"."service_id", "s"."name" as "service_name", "s"."category", "x"."area_id", "a"."name_zh", "a"."name_en", "a"."path" as "area_path", "pe"."name" as "person_name", "x"."status", "x"."channel", "x"."pay_with_hours", "x"."due_at", "x"."rating", "x"."created_at", "x"."updated_at" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."area_id" in (select "id" from "area" where "path" like $1) and "x"."status" = $2 and "x"."area_id" in (select "id" from "area" where "path" like $3) order by "x"."due_at", "x"."id" limit $4 offset $5;
-- parameters: ["/1/2/3/6/%","submitted","/1/%",20,0]

-- applications: overdue, one service
select count(*) as "n" from (select 1 as "one" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."service_id" = $1 and "x"."area_id" in (select "id" from "area" where "path" like $2) and "x"."status" in ($3, $4) and "x"."due_at" < $5 limit $6) as "t";
-- parameters: [1,"/1/%","submitted","approved","2026-11-23T02:00:00.000Z",10020]

select "x"."id", "x"."reference", "x"."service_id", "s"."name" as "service_name", "s"."category", "x"."area_id", "a"."name_zh", "a"."name_en", "a"."path" as "area_path", "pe"."name" as "person_name", "x"."status", "x"."channel", "x"."pay_with_hours", "x"."due_at", "x"."rating", "x"."created_at", "x"."updated_at" from "service_application" as "x" inner join "service" as "s" on "s"."id" = "x"."service_id" inner join "area" as "a" on "a"."id" = "x"."area_id" left join "person" as "pe" on "pe"."id" = "x"."person_id" where "x"."service_id" = $1 and "x"."area_id" in (select "id" from "area" where "path" like $2) and "x"."status" in ($3, $4) and "x"."due_at" < $5 order by "x"."due_at", "x"."id" limit $6 offset $7;
-- parameters: [1,"/1/%","submitted","approved","2026-11-23T02:00:00.000Z",20,0]

-- facilities: an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "f"."id", "f"."kind", "f"."name", "f"."address", "f"."description", "f"."capacity", "f"."opening_hours", "f"."slot_minutes", "f"."max_slots", "f"."book_days_ahead", "f"."residents_may_book", "f"."status", "f"."created_at", "f"."updated_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path" from "facility" as "f" inner join "area" as "a" on "a"."id" = "f"."area_id" where "a"."path" like $1 order by "a"."path", "f"."name", "f"."id" limit $2 offset $3;
-- parameters: ["/1/2/3/6/%",20,0]

select count(*)::int as "n" from (select "f"."id" from "facility" as "f" inner join "area" as "a" on "a"."id" = "f"."area_id" where "a"."path" like $1 limit $2) as "x";
-- parameters: ["/1/2/3/6/%",10020]

-- bookings: upcoming
select "b"."id", "b"."facility_id", "f"."name" as "facility_name", "f"."kind" as "facility_kind", "f"."address" as "facility_address", "b"."booked_by", "b"."purpose", "b"."attendees", "b"."status", "b"."cancelled_by", "b"."cancelled_at", "b"."cancel_reason", "b"."created_at", lower(b.during) as "starts_at", upper(b.during) as "ends_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path" from "facility_booking" as "b" inner join "facility" as "f" on "f"."id" = "b"."facility_id" inner join "area" as "a" on "a"."id" = "b"."area_id" where upper(b.during) > $1::timestamptz order by lower(b.during) asc, "b"."id" asc limit $2 offset $3;
-- parameters: ["2026-11-23T02:00:00.000Z",20,0]

select count(*)::int as "n" from (select "b"."id" from "facility_booking" as "b" inner join "facility" as "f" on "f"."id" = "b"."facility_id" inner join "area" as "a" on "a"."id" = "b"."area_id" where upper(b.during) > $1::timestamptz limit $2) as "x";
-- parameters: ["2026-11-23T02:00:00.000Z",10020]

-- organisations: by field
select "s"."organisation_id", "o"."name", "o"."uscc", "o"."legal_representative", "o"."address", "s"."fields", "s"."capacity", "s"."contact_name", "s"."contact_phone", "s"."description", "s"."status", "s"."rating", "s"."rated_projects", "s"."created_at", "s"."updated_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path" from "social_organisation" as "s" inner join app_social_organisation_registry() as "o" on "o"."id" = "s"."organisation_id" inner join "area" as "a" on "a"."id" = "s"."area_id" where $1 = any(s.fields) order by "s"."status", s.rating desc nulls last, "s"."organisation_id" limit $2 offset $3;
-- parameters: ["elderly",20,0]

select count(*)::int as "n" from (select "s"."organisation_id" from "social_organisation" as "s" inner join app_social_organisation_registry() as "o" on "o"."id" = "s"."organisation_id" inner join "area" as "a" on "a"."id" = "s"."area_id" where $1 = any(s.fields) limit $2) as "x";
-- parameters: ["elderly",10020]

-- projects: active
select "p"."id", "p"."reference", "p"."title", "p"."status", "p"."budget", "p"."spent", "p"."starts_on", "p"."ends_on", "p"."final_score", "p"."organisation_id", "p"."department_id", "o"."name" as "organisation_name", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path" from "service_project" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join "department" as "d" on "d"."id" = "p"."department_id" left join app_social_organisation_registry() as "o" on "o"."id" = "p"."organisation_id" where "p"."status" = $1 order by case p.status when 'active' then 0 when 'draft' then 1 else 2 end, "p"."ends_on" desc, "p"."id" desc limit $2 offset $3;
-- parameters: ["active",20,0]

select count(*)::int as "n" from (select "p"."id" from "service_project" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" inner join "department" as "d" on "d"."id" = "p"."department_id" left join app_social_organisation_registry() as "o" on "o"."id" = "p"."organisation_id" where "p"."status" = $1 limit $2) as "x";
-- parameters: ["active",10020]

-- activities: upcoming of an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as "n" from "volunteer_activity" as "v" inner join "area" on "area"."id" = "v"."area_id" where ("v"."status" in ($1, $2) or "area"."path" like $3) and "area"."path" like $4;
-- parameters: ["published","finished","/1/%","/1/2/3/6/%"]

select "v"."id", "v"."area_id", "v"."kind", "v"."title", "v"."description", "v"."place", "v"."starts_at", "v"."ends_at", "v"."capacity", "v"."signed_up", "v"."skills", "v"."status", "v"."checkin_secret", "area"."name_zh" as "area_name", "area"."path" as "area_path" from "volunteer_activity" as "v" inner join "area" on "area"."id" = "v"."area_id" where ("v"."status" in ($1, $2) or "area"."path" like $3) and "area"."path" like $4 order by "v"."starts_at" desc, "v"."id" limit $5 offset $6;
-- parameters: ["published","finished","/1/%","/1/2/3/6/%",20,0]

-- volunteers: by skill
select count(*)::int as "n" from "volunteer" as "v" inner join "area" as "a" on "a"."id" = "v"."area_id" where "a"."path" like $1 and v.skills @> array[$2]::text[];
-- parameters: ["/1/%","elderly_care"]

select "v".* from "volunteer" as "v" inner join "area" as "a" on "a"."id" = "v"."area_id" where "a"."path" like $1 and v.skills @> array[$2]::text[] order by "v"."hours_total" desc, "v"."id" limit $3 offset $4;
-- parameters: ["/1/%","elderly_care",20,0]

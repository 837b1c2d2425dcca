-- no filter (newest first)
select 1 as "one" from "cases" as "c" limit $1;
-- parameters: [10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" limit $1) as "m";
-- parameters: [10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true order by "c"."id" desc limit $1 offset $2;
-- parameters: [50,0]

-- area subtree
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select 1 as "one" from "cases" as "c" where "c"."area_id" in (select "id" from "area" where "path" like $1) limit $2;
-- parameters: ["/1/2/3/6/%",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."area_id" in (select "id" from "area" where "path" like $1) limit $2) as "m";
-- parameters: ["/1/2/3/6/%",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."area_id" in (select "id" from "area" where "path" like $1) order by "c"."id" desc limit $2 offset $3;
-- parameters: ["/1/2/3/6/%",50,0]

-- states
select 1 as "one" from "cases" as "c" where "c"."state" in ($1, $2) limit $3;
-- parameters: ["submitted","dispatched",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."state" in ($1, $2) limit $3) as "m";
-- parameters: ["submitted","dispatched",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."state" in ($1, $2) order by "c"."id" desc limit $3 offset $4;
-- parameters: ["submitted","dispatched",50,0]

-- category
select 1 as "one" from "cases" as "c" where "c"."category_id" in (select "id" from "case_category" where ("id" = $1 or "parent_id" = $2)) limit $3;
-- parameters: [1,1,10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."category_id" in (select "id" from "case_category" where ("id" = $1 or "parent_id" = $2)) limit $3) as "m";
-- parameters: [1,1,10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."category_id" in (select "id" from "case_category" where ("id" = $1 or "parent_id" = $2)) order by "c"."id" desc limit $3 offset $4;
-- parameters: [1,1,50,0]

-- department
select 1 as "one" from "cases" as "c" where "c"."department_id" = $1 limit $2;
-- parameters: [1,10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."department_id" = $1 limit $2) as "m";
-- parameters: [1,10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."department_id" = $1 order by "c"."id" desc limit $2 offset $3;
-- parameters: [1,50,0]

-- overdue
select 1 as "one" from "cases" as "c" where "c"."stage_due_at" < $1 limit $2;
-- parameters: ["2026-11-23T02:00:00.000Z",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."stage_due_at" < $1 limit $2) as "m";
-- parameters: ["2026-11-23T02:00:00.000Z",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."stage_due_at" < $1 order by "c"."id" desc limit $2 offset $3;
-- parameters: ["2026-11-23T02:00:00.000Z",50,0]

-- escalated
select 1 as "one" from "cases" as "c" where "c"."escalation_level" > $1 and "c"."state" in ($2, $3, $4, $5, $6, $7) limit $8;
-- parameters: [0,"submitted","accepted","dispatched","in_progress","replied","verified",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."escalation_level" > $1 and "c"."state" in ($2, $3, $4, $5, $6, $7) limit $8) as "m";
-- parameters: [0,"submitted","accepted","dispatched","in_progress","replied","verified",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."escalation_level" > $1 and "c"."state" in ($2, $3, $4, $5, $6, $7) order by "c"."id" desc limit $8 offset $9;
-- parameters: [0,"submitted","accepted","dispatched","in_progress","replied","verified",50,0]

-- colour
select 1 as "one" from "cases" as "c" where "c"."stage_due_at" <= $1 limit $2;
-- parameters: ["2026-11-23T02:00:00.000Z",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."stage_due_at" <= $1 limit $2) as "m";
-- parameters: ["2026-11-23T02:00:00.000Z",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."stage_due_at" <= $1 order by "c"."id" desc limit $2 offset $3;
-- parameters: ["2026-11-23T02:00:00.000Z",50,0]

-- submitted between
select 1 as "one" from "cases" as "c" where "c"."submitted_at" >= $1 and "c"."submitted_at" < $2 limit $3;
-- parameters: ["2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."submitted_at" >= $1 and "c"."submitted_at" < $2 limit $3) as "m";
-- parameters: ["2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."submitted_at" >= $1 and "c"."submitted_at" < $2 order by "c"."id" desc limit $3 offset $4;
-- parameters: ["2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z",50,0]

-- text search
select 1 as "one" from "cases" as "c" where ("c"."description" ilike $1 or "c"."address" ilike $2 or "c"."tracking_code" = $3) limit $4;
-- parameters: ["%路灯%","%路灯%","路灯",10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where ("c"."description" ilike $1 or "c"."address" ilike $2 or "c"."tracking_code" = $3) limit $4) as "m";
-- parameters: ["%路灯%","%路灯%","路灯",10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where ("c"."description" ilike $1 or "c"."address" ilike $2 or "c"."tracking_code" = $3) order by "c"."id" desc limit $4 offset $5;
-- parameters: ["%路灯%","%路灯%","路灯",50,0]

-- mine
select 1 as "one" from "cases" as "c" where "c"."reporter_id" = $1 limit $2;
-- parameters: [1,10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" where "c"."reporter_id" = $1 limit $2) as "m";
-- parameters: [1,10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."reporter_id" = $1 order by "c"."id" desc limit $2 offset $3;
-- parameters: [1,50,0]

-- due first
select 1 as "one" from "cases" as "c" limit $1;
-- parameters: [10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" limit $1) as "m";
-- parameters: [10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true order by c.stage_due_at asc nulls last, "c"."id" limit $1 offset $2;
-- parameters: [50,0]

-- keyset page (after)
select 1 as "one" from "cases" as "c" limit $1;
-- parameters: [10051]

select count(*) as "n" from (select 1 as "one" from "cases" as "c" limit $1) as "m";
-- parameters: [10051]

select "c"."id", "c"."tracking_code", "c"."category_id", "c"."area_id", "c"."channel", "c"."state", "c"."version", "c"."address", "c"."description", "c"."attributes", "c"."reporter_id", "c"."reporter_name", "c"."reporter_phone_masked", "c"."reporter_phone_enc", "c"."department_id", "c"."assisting_department_ids", "c"."stage", "c"."stage_warn_at", "c"."stage_due_at", "c"."escalation_level", "c"."extension_request", "c"."result", "c"."rating", "c"."rating_comment", "c"."merged_into_id", "c"."rework_count", "c"."reopen_count", "c"."submitted_at", "c"."response_due_at", "c"."responded_at", "c"."handle_due_at", "c"."replied_at", "c"."verified_at", "c"."closed_at", "c"."rated_at", "c"."updated_at", "k"."code" as "category_code", "k"."name_zh" as "category_name_zh", "k"."name_en" as "category_name_en", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", "a"."timezone" as "area_timezone", "d"."code" as "department_code", "d"."name_zh" as "department_name_zh", "d"."name_en" as "department_name_en", ST_X(c.location) as "lng", ST_Y(c.location) as "lat" from "cases" as "c" inner join "case_category" as "k" on "k"."id" = "c"."category_id" inner join "area" as "a" on "a"."id" = "c"."area_id" left join lateral app_department_label(c.department_id) as "d" on true where "c"."id" < $1 order by "c"."id" desc limit $2 offset $3;
-- parameters: [1000,50,0]

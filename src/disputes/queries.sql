-- register: no filter (newest first)
select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" order by "d"."registered_at" desc, "d"."id" desc limit $1 offset $2;
-- parameters: [50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" limit $1) as "x";
-- parameters: [10050]

-- register: area subtree
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "a"."path" like $1 order by "d"."registered_at" desc, "d"."id" desc limit $2 offset $3;
-- parameters: ["/1/2/3/6/%",50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "a"."path" like $1 limit $2) as "x";
-- parameters: ["/1/2/3/6/%",10050]

-- register: open, high risk or more
select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."state" in ($1, $2, $3, $4) and "d"."risk_level" in ($5, $6) order by "d"."registered_at" desc, "d"."id" desc limit $7 offset $8;
-- parameters: ["registered","people_mediation","administrative_mediation","judicial_referral","high","urgent",50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."state" in ($1, $2, $3, $4) and "d"."risk_level" in ($5, $6) limit $7) as "x";
-- parameters: ["registered","people_mediation","administrative_mediation","judicial_referral","high","urgent",10050]

-- register: state, category, source, level
select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."state" = $1 and "d"."category" = $2 and "d"."source" = $3 and "d"."level" = $4 order by "d"."registered_at" desc, "d"."id" desc limit $5 offset $6;
-- parameters: ["people_mediation","neighbour","walk_in","people",50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."state" = $1 and "d"."category" = $2 and "d"."source" = $3 and "d"."level" = $4 limit $5) as "x";
-- parameters: ["people_mediation","neighbour","walk_in","people",10050]

-- register: overdue
select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."stage_due_at" <= $1 and "d"."state" in ($2, $3, $4, $5) order by "d"."registered_at" desc, "d"."id" desc limit $6 offset $7;
-- parameters: ["2026-11-23T02:00:00.000Z","registered","people_mediation","administrative_mediation","judicial_referral",50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."stage_due_at" <= $1 and "d"."state" in ($2, $3, $4, $5) limit $6) as "x";
-- parameters: ["2026-11-23T02:00:00.000Z","registered","people_mediation","administrative_mediation","judicial_referral",10050]

-- register: registered between, text
select "d"."id", "d"."reference", "d"."state", "d"."level", "d"."category", "d"."source", "d"."address", "d"."amount", "d"."people_involved", "d"."risk_level", "d"."committee_id", "d"."department_id", "d"."stage_due_at", "d"."outcome", "d"."settled_level", "d"."registered_at", "d"."settled_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."registered_at" >= $1::date and "d"."registered_at" < $2::date + 1 and ("d"."reference" = $3 or "d"."facts" like $4) order by "d"."registered_at" desc, "d"."id" desc limit $5 offset $6;
-- parameters: ["2026-11-01","2026-11-23","漏水","%漏水%",50,0]

select count(*)::int as "n" from (select "d"."id" from "dispute" as "d" inner join "area" as "a" on "a"."id" = "d"."area_id" where "d"."registered_at" >= $1::date and "d"."registered_at" < $2::date + 1 and ("d"."reference" = $3 or "d"."facts" like $4) limit $5) as "x";
-- parameters: ["2026-11-01","2026-11-23","漏水","%漏水%",10050]

-- petition desk: open and overdue in an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "p".*, "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", (select count(*)::int as "n" from "petition" as "r" where (("r"."petitioner_bidx" is not null and "r"."petitioner_bidx" = "p"."petitioner_bidx") or ("r"."area_id" = "p"."area_id" and "r"."matter_key" = "p"."matter_key"))) as "repeats" from "petition" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "a"."path" like $1 and "p"."state" in ($2, $3, $4) and (("p"."state" = $5 and "p"."decide_due_at" <= $6) or ("p"."state" = $7 and "p"."answer_due_at" <= $8) or ("p"."state" = $9 and "p"."review_due_at" <= $10)) order by "p"."received_at" desc, "p"."id" desc limit $11 offset $12;
-- parameters: ["/1/2/3/6/%","received","accepted","review_requested","received","2026-11-23T02:00:00.000Z","accepted","2026-11-23T02:00:00.000Z","review_requested","2026-11-23T02:00:00.000Z",50,0]

select count(*)::int as "n" from (select "p"."id" from "petition" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" where "a"."path" like $1 and "p"."state" in ($2, $3, $4) and (("p"."state" = $5 and "p"."decide_due_at" <= $6) or ("p"."state" = $7 and "p"."answer_due_at" <= $8) or ("p"."state" = $9 and "p"."review_due_at" <= $10)) limit $11) as "x";
-- parameters: ["/1/2/3/6/%","received","accepted","review_requested","received","2026-11-23T02:00:00.000Z","accepted","2026-11-23T02:00:00.000Z","review_requested","2026-11-23T02:00:00.000Z",10050]

-- statistics: an area, a month
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "id" from "area" where "path" like $1;
-- parameters: ["/1/2/3/6/%"]

select grouping(d.category, d.source, d.level, d.outcome, d.risk_level, d.area_id) as dim,
           d.category, d.source, d.level, d.outcome, d.risk_level, d.area_id,
           count(*)::int as total,
           count(*) filter (where d.outcome is not null)::int as concluded,
           count(*) filter (where d.settled_level is not null)::int as settled,
           count(*) filter (where d.settled_level = 'community')::int as community,
           count(*) filter (where d.settled_level = 'street')::int as street,
           avg(extract(epoch from d.settled_at - d.registered_at) / 86400)
             filter (where d.settled_level is not null)::float8 as avg_days,
           count(*) filter (where d.agreement_status is not null)::int as effective,
           count(*) filter (where d.agreement_status = 'performed')::int as performed,
           count(*) filter (where d.agreement_status = 'broken')::int as broken,
           count(*) filter (where d.judicial_status is not null)::int as applied,
           count(*) filter (where d.judicial_status = 'confirmed')::int as confirmed,
           count(*) filter (where d.judicial_status = 'refused')::int as refused
    from dispute d where d.registered_at >= $1::date and d.registered_at < $2::date + 1 and "d"."area_id" in ()
    group by grouping sets ((d.category), (d.source), (d.level), (d.outcome), (d.risk_level), (d.area_id), ());
-- parameters: ["2026-11-01","2026-11-30"]

select count(*)::int as n from dispute d
    where d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')
      and d.risk_level in ('high', 'urgent')
      and "d"."area_id" in ();
-- parameters: []

select count(*)::int as received,
           count(*) filter (where p.decided_at is not null)::int as decided,
           count(*) filter (where p.decided_at <= p.decide_due_at)::int as decided_on_time,
           count(*) filter (where p.answered_at is not null)::int as answered,
           count(*) filter (where p.answered_at <= p.answer_due_at)::int as answered_on_time,
           count(*) filter (where p.extended_days is not null)::int as extended,
           count(*) filter (where p.review_requested_at is not null)::int as review_requested,
           count(*) filter (where (p.state = 'received' and p.decide_due_at <= $1)
                              or (p.state = 'accepted' and p.answer_due_at <= $2)
                              or (p.state = 'review_requested' and p.review_due_at <= $3))::int as overdue_open,
           count(*) filter (where p.repeat_of_id is not null)::int as repeated
    from petition p
    where p.received_at >= $4::date and p.received_at < $5::date + 1
      and "p"."area_id" in ();
-- parameters: ["2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-01","2026-11-30"]

-- proposals: newest first
select count(*) as "n" from (select 1 as "x" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" != $2 limit $3) as "t";
-- parameters: [1,"withdrawn",10020]

select "p"."id", "p"."reference", "p"."area_id", "a"."name_zh", "a"."name_en", "p"."category", "p"."title", left(p.body, 141) as "body_start", "p"."status", "p"."author_id", "p"."support_count", "p"."threshold", "p"."comment_count", "p"."answer_due_at", "p"."created_at", s.user_id is not null as "supported" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" != $2 order by "p"."id" desc limit $3 offset $4;
-- parameters: [1,"withdrawn",20,0]

-- proposals: area subtree, most supported
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*) as "n" from (select 1 as "x" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "a"."path" like $2 and "p"."status" != $3 limit $4) as "t";
-- parameters: [1,"/1/2/3/6/%","withdrawn",10020]

select "p"."id", "p"."reference", "p"."area_id", "a"."name_zh", "a"."name_en", "p"."category", "p"."title", left(p.body, 141) as "body_start", "p"."status", "p"."author_id", "p"."support_count", "p"."threshold", "p"."comment_count", "p"."answer_due_at", "p"."created_at", s.user_id is not null as "supported" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "a"."path" like $2 and "p"."status" != $3 order by "p"."support_count" desc, "p"."id" desc limit $4 offset $5;
-- parameters: [1,"/1/2/3/6/%","withdrawn",20,0]

-- proposals: status and category, answer due first
select count(*) as "n" from (select 1 as "x" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" = $2 and "p"."category" = $3 limit $4) as "t";
-- parameters: [1,"threshold_reached","facilities",10020]

select "p"."id", "p"."reference", "p"."area_id", "a"."name_zh", "a"."name_en", "p"."category", "p"."title", left(p.body, 141) as "body_start", "p"."status", "p"."author_id", "p"."support_count", "p"."threshold", "p"."comment_count", "p"."answer_due_at", "p"."created_at", s.user_id is not null as "supported" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" = $2 and "p"."category" = $3 order by p.answer_due_at asc nulls last, "p"."id" desc limit $4 offset $5;
-- parameters: [1,"threshold_reached","facilities",20,0]

-- proposals: words (jieba) and mine
select count(*) as "n" from (select 1 as "x" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" != $2 and "p"."author_id" = $3 and p.terms @@ to_tsquery('simple', $4) limit $5) as "t";
-- parameters: [1,"withdrawn",1,"'电动车' | '充电桩'",10020]

select "p"."id", "p"."reference", "p"."area_id", "a"."name_zh", "a"."name_en", "p"."category", "p"."title", left(p.body, 141) as "body_start", "p"."status", "p"."author_id", "p"."support_count", "p"."threshold", "p"."comment_count", "p"."answer_due_at", "p"."created_at", s.user_id is not null as "supported" from "proposal" as "p" inner join "area" as "a" on "a"."id" = "p"."area_id" left join "proposal_support" as "s" on "s"."proposal_id" = "p"."id" and "s"."user_id" = $1 where "p"."status" != $2 and "p"."author_id" = $3 and p.terms @@ to_tsquery('simple', $4) order by "p"."id" desc limit $5 offset $6;
-- parameters: [1,"withdrawn",1,"'电动车' | '充电桩'",20,0]

-- similar proposals while writing
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "p"."id", "p"."reference", "p"."title", "p"."status", "p"."support_count", ts_rank(p.terms, to_tsquery('simple', $1)) as "score" from "proposal" as "p" where p.terms @@ to_tsquery('simple', $2) and "p"."status" != $3 and "p"."district_id" = $4 order by "score" desc, "p"."id" desc limit $5;
-- parameters: ["'小区' | '增设' | '电动' | '自行车' | '充电桩'","'小区' | '增设' | '电动' | '自行车' | '充电桩'","withdrawn",2,5]

-- notices: as their staff see them
select "n"."id", "n"."area_id", "n"."kind", "n"."title", "n"."status", "n"."pinned", "n"."publish_at", "n"."expires_at", "n"."withdrawn_reason", "n"."updated_at", "a"."path", "a"."code", "a"."name_zh", "a"."name_en", substr(n.body, 1, 160) as "excerpt", n.explainer is not null as "has_explainer", (select count(*)::int as "c" from "notice_attachment" as "t" where "t"."notice_id" = "n"."id") as "attachment_count", (select count(*)::int as "c" from "notice_read" as "r" where "r"."notice_id" = "n"."id") as "read_count", exists (select "r"."notice_id" from "notice_read" as "r" where "r"."notice_id" = "n"."id" and "r"."user_id" = $1) as "read" from "notice" as "n" inner join "area" as "a" on "a"."id" = "n"."area_id" where (("n"."status" = $2 and "n"."publish_at" <= $3 and ("n"."expires_at" is null or "n"."expires_at" > $4)) or "a"."path" like $5) order by n.pinned and n.status = 'published' and n.publish_at <= $6 and (n.expires_at is null or n.expires_at > $7) desc, "n"."publish_at" desc, "n"."id" desc limit $8 offset $9;
-- parameters: [1,"published","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","/1/%","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",20,0]

select count(*)::int as "n" from (select "n"."id" from "notice" as "n" inner join "area" as "a" on "a"."id" = "n"."area_id" where (("n"."status" = $1 and "n"."publish_at" <= $2 and ("n"."expires_at" is null or "n"."expires_at" > $3)) or "a"."path" like $4) limit $5) as "x";
-- parameters: ["published","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","/1/%",10020]

-- meetings: upcoming
select "m"."id", "m"."kind", "m"."title", "m"."location", "m"."starts_at", "m"."ends_at", "m"."capacity", "m"."quorum", "m"."status", "m"."council_id", "c"."name" as "council_name", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", (select count(*)::int from meeting_registration r where r.meeting_id = m.id) as "registration_count", exists (select 1 from meeting_registration r where r.meeting_id = m.id and r.user_id = $1) as "registered" from "meeting" as "m" inner join "area" as "a" on "a"."id" = "m"."area_id" left join "council" as "c" on "c"."id" = "m"."council_id" order by m.ends_at < $2, case when m.ends_at >= $3 then m.starts_at end asc, "m"."starts_at" desc, "m"."id" desc limit $4 offset $5;
-- parameters: [1,"2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",20,0]

select count(*)::int as "n" from (select "m"."id" from "meeting" as "m" inner join "area" as "a" on "a"."id" = "m"."area_id" left join "council" as "c" on "c"."id" = "m"."council_id" limit $1) as "x";
-- parameters: [10020]

-- accountability: an area
select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "r"."id", "r"."source_kind", "r"."source_id", "r"."title", "r"."description", "r"."status", "r"."progress", "r"."case_id", "r"."created_at", "r"."updated_at", "a"."id" as "area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "a"."path" as "area_path", coalesce(sp.title, sc.title, sd.title) as "source_title", (select count(*)::int from accountability_milestone x where x.record_id = r.id) as "milestone_count", (select count(*)::int from accountability_milestone x where x.record_id = r.id and x.done_on is not null) as "milestones_done" from "accountability_record" as "r" inner join "area" as "a" on "a"."id" = "r"."area_id" left join "proposal" as "sp" on "sp"."id" = "r"."source_id" and "r"."source_kind" = $1 left join "consultation" as "sc" on "sc"."id" = "r"."source_id" and "r"."source_kind" = $2 left join "meeting_decision" as "sd" on "sd"."id" = "r"."source_id" and "r"."source_kind" = $3 where "a"."path" like $4 order by "r"."updated_at" desc, "r"."id" desc limit $5 offset $6;
-- parameters: ["proposal","consultation","meeting_decision","/1/2/3/6/%",20,0]

select count(*)::int as "n" from (select "r"."id" from "accountability_record" as "r" inner join "area" as "a" on "a"."id" = "r"."area_id" left join "proposal" as "sp" on "sp"."id" = "r"."source_id" and "r"."source_kind" = $1 left join "consultation" as "sc" on "sc"."id" = "r"."source_id" and "r"."source_kind" = $2 left join "meeting_decision" as "sd" on "sd"."id" = "r"."source_id" and "r"."source_kind" = $3 where "a"."path" like $4 limit $5) as "x";
-- parameters: ["proposal","consultation","meeting_decision","/1/2/3/6/%",10020]

-- consultations: as their staff see them
select count(*) as "n" from "consultation" as "c" inner join "area" as "a" on "a"."id" = "c"."area_id" where ("c"."status" != $1 or "a"."path" like $2);
-- parameters: ["draft","/1/%"]

select "c"."id", "c"."area_id", "a"."name_zh", "a"."name_en", "c"."kind", "c"."title", "c"."summary", "c"."status", "c"."opens_at", "c"."closes_at", "c"."verified_only", "c"."published_at", (select count(*) as "n" from "consultation_section" as "s" where "s"."consultation_id" = "c"."id") as "section_count", (select count(*) as "n" from "participation_comment" as "m" where "m"."subject_kind" = $1 and "m"."subject_id" = "c"."id") as "comment_count" from "consultation" as "c" inner join "area" as "a" on "a"."id" = "c"."area_id" where ("c"."status" != $2 or "a"."path" like $3) order by case when c.status = 'open' and c.closes_at > $4 then 0 when c.status = 'draft' then 1 else 2 end, case when c.status = 'open' and c.closes_at > $5 then c.closes_at end asc, "c"."closes_at" desc, "c"."id" desc limit $6 offset $7;
-- parameters: ["consultation","draft","/1/%","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",20,0]

-- comments: a proposal's thread, a keyset page
select "id", "area_id", "title", "status" from "proposal" where "id" = $1;
-- parameters: [1]

select "id", "parent_id", "level", "code", "name_zh", "name_en", "path", "retired_at", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select count(*) as "n" from (select 1 as "one" from "participation_comment" as "c" where "c"."subject_kind" = $1 and "c"."subject_id" = $2 and "c"."parent_id" is null limit $3) as "m";
-- parameters: ["proposal",1,10001]

select "c"."id", "c"."subject_kind", "c"."subject_id", "c"."section_id", "c"."parent_id", "c"."author_id", "c"."official", "c"."body", "c"."reply_count", "c"."report_count", "c"."hidden_at", "c"."hidden_reason", "c"."created_at", r.user_id is not null as "reported" from "participation_comment" as "c" left join "comment_report" as "r" on "r"."comment_id" = "c"."id" and "r"."user_id" = $1 where "c"."subject_kind" = $2 and "c"."subject_id" = $3 and "c"."parent_id" is null and "c"."id" > $4 order by "c"."id" asc limit $5;
-- parameters: [1,"proposal",1,1000,21]

-- comments: the moderation queue
select count(*) as "n" from "participation_comment" as "c" where "c"."report_count" > $1 and "c"."hidden_at" is null and "c"."area_id" in (select "id" from "area" where "path" like $2);
-- parameters: [0,"/1/%"]

select "c"."id", "c"."subject_kind", "c"."subject_id", "c"."section_id", "c"."parent_id", "c"."author_id", "c"."official", "c"."body", "c"."reply_count", "c"."report_count", "c"."hidden_at", "c"."hidden_reason", "c"."created_at", r.user_id is not null as "reported" from "participation_comment" as "c" left join "comment_report" as "r" on "r"."comment_id" = "c"."id" and "r"."user_id" = $1 where "c"."report_count" > $2 and "c"."hidden_at" is null and "c"."area_id" in (select "id" from "area" where "path" like $3) order by "c"."report_count" desc, "c"."id" asc limit $4 offset $5;
-- parameters: [1,0,"/1/%",20,0]

-- surveys: as their staff see them
select "s"."id" from "survey" as "s" inner join "area" as "a" on "a"."id" = "s"."area_id" where (("s"."status" <> $1 and ("s"."opens_at" is null or "s"."opens_at" <= $2)) or "a"."path" like $3) order by case when s.status = 'open' and (s.closes_at is null or s.closes_at > $4) then 0 when s.status = 'draft' then 1 else 2 end, "s"."id" desc limit $5 offset $6;
-- parameters: ["draft","2026-11-23T02:00:00.000Z","/1/%","2026-11-23T02:00:00.000Z",20,0]

select count(*) as "n" from "survey" as "s" inner join "area" as "a" on "a"."id" = "s"."area_id" where (("s"."status" <> $1 and ("s"."opens_at" is null or "s"."opens_at" <= $2)) or "a"."path" like $3);
-- parameters: ["draft","2026-11-23T02:00:00.000Z","/1/%"]

-- surveys: a survey's results (staff, exact)
select "s"."id", "s"."area_id", "s"."title", "s"."description", "s"."status", "s"."opens_at", "s"."closes_at", "s"."verified_only", "s"."response_count", "s"."created_by", "s"."created_at", "s"."updated_at", "a"."path" from "survey" as "s" inner join "area" as "a" on "a"."id" = "s"."area_id" where "s"."id" = $1;
-- parameters: [1]

select * from "survey_question" where "survey_id" = $1 order by "position";
-- parameters: [1]

select "question_id", "kind", "value", "n" from "survey_tally" where "question_id" in ($1, $2, $3);
-- parameters: [11,12,13]

select q.id as question_id, t.text
    from unnest($1::bigint[]) as q(id)
    cross join lateral (
      select a.text from survey_answer a
      where a.question_id = q.id and a.text is not null
      order by a.response_id desc
      limit $2) t;
-- parameters: [[13],100]

-- courses: the catalogue of an area, one topic, by title
select "path" from "area" where "id" = $1;
-- parameters: [6]

select count(*)::int as n
    from training_course c join area a on a.id = c.area_id where (c.status = 'published' or c.area_id in (select app_training_area_ids(true)))
    and (a.path like $1 || '%' or $2 like a.path || '%')
    and c.topic = $3
    
    and position(lower($4) in lower(c.title)) > 0;
-- parameters: ["/1/2/3/6/","/1/2/3/6/","induction","入职"]

select c.id, c.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, c.title, c.summary, c.topic, c.status, c.pass_mark, c.minutes,
  (select count(*) from training_lesson l where l.course_id = c.id)::int as lessons,
  (select count(*) from training_question q where q.course_id = c.id)::int as questions,
  c.published_at, c.version, c.updated_at
  from training_course c join area a on a.id = c.area_id where (c.status = 'published' or c.area_id in (select app_training_area_ids(true)))
    and (a.path like $1 || '%' or $2 like a.path || '%')
    and c.topic = $3
    
    and position(lower($4) in lower(c.title)) > 0
    order by case c.status when 'draft' then 0 when 'published' then 1 else 2 end, c.updated_at desc, c.id desc
    limit $5 offset $6;
-- parameters: ["/1/2/3/6/","/1/2/3/6/","induction","入职",20,0]

-- courses: drafts (keepers)
select count(*)::int as n
    from training_course c join area a on a.id = c.area_id where (c.status = 'published' or c.area_id in (select app_training_area_ids(true)))
    
    
    and c.status = $1;
-- parameters: ["draft"]

select c.id, c.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, c.title, c.summary, c.topic, c.status, c.pass_mark, c.minutes,
  (select count(*) from training_lesson l where l.course_id = c.id)::int as lessons,
  (select count(*) from training_question q where q.course_id = c.id)::int as questions,
  c.published_at, c.version, c.updated_at
  from training_course c join area a on a.id = c.area_id where (c.status = 'published' or c.area_id in (select app_training_area_ids(true)))
    
    
    and c.status = $1
    
    order by case c.status when 'draft' then 0 when 'published' then 1 else 2 end, c.updated_at desc, c.id desc
    limit $2 offset $3;
-- parameters: ["draft",20,0]

-- enrolments: my own
select count(*) as "n" from "training_enrolment" as "e" inner join "training_course" as "c" on "c"."id" = "e"."course_id" inner join "area" as "a" on "a"."id" = "e"."area_id" left join "app_user" as "u" on "u"."id" = "e"."user_id" where "e"."user_id" = $1;
-- parameters: [1]

select "e"."id", "e"."course_id", "c"."title" as "course_title", "c"."topic" as "course_topic", "c"."pass_mark", "c"."minutes", "e"."user_id", "u"."display_name", "e"."area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "e"."role", "e"."rule_id", "e"."status", "e"."assigned_at", "e"."due_at", "e"."started_at", "e"."completed_at", "e"."best_score", "e"."late", "e"."certificate_no", "e"."version", (e.status in ('assigned', 'in_progress') and e.due_at < $1::timestamptz) as "overdue", (select count(*) from training_lesson l where l.course_id = e.course_id) as "lessons", (select count(*) from training_lesson_done d join training_lesson l on l.id = d.lesson_id where d.enrolment_id = e.id) as "lessons_done", (select count(*) from training_question q where q.course_id = e.course_id) as "questions" from "training_enrolment" as "e" inner join "training_course" as "c" on "c"."id" = "e"."course_id" inner join "area" as "a" on "a"."id" = "e"."area_id" left join "app_user" as "u" on "u"."id" = "e"."user_id" where "e"."user_id" = $2 order by case when e.status = 'completed' then 1 when e.status = 'withdrawn' then 2 else 0 end, e.due_at nulls last, "e"."id" limit $3 offset $4;
-- parameters: ["2026-11-23T02:00:00.000Z",1,20,0]

-- enrolments: overdue grid workers of an area, one course
select "id", "path" from "area" where "id" = $1;
-- parameters: [6]

select count(*) as "n" from "training_enrolment" as "e" inner join "training_course" as "c" on "c"."id" = "e"."course_id" inner join "area" as "a" on "a"."id" = "e"."area_id" left join "app_user" as "u" on "u"."id" = "e"."user_id" where "a"."path" like $1 and "e"."course_id" = $2 and "e"."role" = $3 and (e.status in ('assigned', 'in_progress') and e.due_at < $4::timestamptz) = $5;
-- parameters: ["/1/2/3/6/%",1,"grid_worker","2026-11-23T02:00:00.000Z",true]

select "e"."id", "e"."course_id", "c"."title" as "course_title", "c"."topic" as "course_topic", "c"."pass_mark", "c"."minutes", "e"."user_id", "u"."display_name", "e"."area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "e"."role", "e"."rule_id", "e"."status", "e"."assigned_at", "e"."due_at", "e"."started_at", "e"."completed_at", "e"."best_score", "e"."late", "e"."certificate_no", "e"."version", (e.status in ('assigned', 'in_progress') and e.due_at < $1::timestamptz) as "overdue", (select count(*) from training_lesson l where l.course_id = e.course_id) as "lessons", (select count(*) from training_lesson_done d join training_lesson l on l.id = d.lesson_id where d.enrolment_id = e.id) as "lessons_done", (select count(*) from training_question q where q.course_id = e.course_id) as "questions" from "training_enrolment" as "e" inner join "training_course" as "c" on "c"."id" = "e"."course_id" inner join "area" as "a" on "a"."id" = "e"."area_id" left join "app_user" as "u" on "u"."id" = "e"."user_id" where "a"."path" like $2 and "e"."course_id" = $3 and "e"."role" = $4 and (e.status in ('assigned', 'in_progress') and e.due_at < $5::timestamptz) = $6 order by case when e.status = 'completed' then 1 when e.status = 'withdrawn' then 2 else 0 end, e.due_at nulls last, "e"."id" limit $7 offset $8;
-- parameters: ["2026-11-23T02:00:00.000Z","/1/2/3/6/%",1,"grid_worker","2026-11-23T02:00:00.000Z",true,20,0]

-- assignment rules: an area
select "id", "path" from "area" where "id" = $1;
-- parameters: [6]

select "r"."id", "r"."course_id", "c"."title" as "course_title", "c"."topic" as "course_topic", "r"."area_id", "a"."code" as "area_code", "a"."name_zh" as "area_name_zh", "a"."name_en" as "area_name_en", "r"."role", "r"."due_days", "r"."active", "r"."created_at", (select count(*) from training_enrolment e where e.rule_id = r.id) as "enrolled" from "training_rule" as "r" inner join "training_course" as "c" on "c"."id" = "r"."course_id" inner join "area" as "a" on "a"."id" = "r"."area_id" where ("a"."path" like $1 or $2 like a.path || '%') order by "r"."id" desc limit $3 offset $4;
-- parameters: ["/1/2/3/6/%","/1/2/3/6/",50,0]

select count(*) as "n" from "training_rule" as "r" inner join "training_course" as "c" on "c"."id" = "r"."course_id" inner join "area" as "a" on "a"."id" = "r"."area_id" where ("a"."path" like $1 or $2 like a.path || '%');
-- parameters: ["/1/2/3/6/%","/1/2/3/6/"]

-- completion: an area and its children by role, a year
with areas as (
      select c.id, c.path from area c where c.parent_id = $1
    ), e as (
      select e.*, (select ar.id from areas ar where a.path like ar.path || '%') as child
      from training_enrolment e join area a on a.id = e.area_id
      where a.path like $2 and e.status <> 'withdrawn'
        and ($3::timestamptz is null or e.assigned_at >= $4::timestamptz)
        and ($5::timestamptz is null or e.assigned_at < $6::timestamptz)
    )
    select child, role, grouping(child, role) as g,
           count(*) as enrolled,
           count(*) filter (where status = 'completed') as completed,
           count(*) filter (where status = 'completed' and not late) as on_time,
           count(*) filter (where status = 'completed' and late) as late,
           count(*) filter (where status in ('assigned', 'in_progress') and due_at < $7::timestamptz) as overdue,
           count(*) filter (where status in ('assigned', 'in_progress')) as open,
           avg(best_score) as average
    from e
    group by grouping sets ((), (role), (child), (child, role));
-- parameters: [6,"/1/2/3/6/%","2025-12-31T16:00:00.000Z","2025-12-31T16:00:00.000Z","2026-11-23T16:00:00.000Z","2026-11-23T16:00:00.000Z","2026-11-23T02:00:00.000Z"]

select "id", "code", "name_zh", "name_en", "level" from "area" where "id" = $1;
-- parameters: [6]

select "id", "code", "name_zh", "name_en", "level" from "area" where "parent_id" = $1 order by "code";
-- parameters: [6]

-- policies: words (jieba), ranked
select count(*)::int as n
    from training_policy p join area a on a.id = p.area_id where (p.status = 'published' or p.area_id in (select app_training_area_ids(true)))
    
    
    and to_tsvector('simple', p.terms) @@ to_tsquery('simple', $1);
-- parameters: ["'垃圾分类' | '投放'"]

select p.id, p.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, p.title, p.document_no, p.issued_by,
  p.issued_on::text as issued_on, p.effective_on::text as effective_on, p.explainer,
  left(p.text, 300) as text_head, p.status, p.published_at, p.version, p.updated_at,
  (select json_agg(json_build_object('id', cc.id, 'code', cc.code, 'nameZh', cc.name_zh, 'nameEn', cc.name_en)
     order by cc.code)
   from training_policy_category pc join case_category cc on cc.id = pc.category_id
   where pc.policy_id = p.id) as categories
  from training_policy p join area a on a.id = p.area_id where (p.status = 'published' or p.area_id in (select app_training_area_ids(true)))
    
    
    and to_tsvector('simple', p.terms) @@ to_tsquery('simple', $1)
    
    
    order by ts_rank(to_tsvector('simple', p.terms), to_tsquery('simple', $2)) desc, p.published_at desc nulls first, p.id desc limit $3 offset $4;
-- parameters: ["'垃圾分类' | '投放'","'垃圾分类' | '投放'",20,0]

-- policies: a category (and its parent), a notice
select count(*)::int as n
    from training_policy p join area a on a.id = p.area_id where (p.status = 'published' or p.area_id in (select app_training_area_ids(true)))
    
    
    
    and exists (select 1 from training_policy_category pc where pc.policy_id = p.id
            and pc.category_id in (select c.id from case_category c where c.id = $1
              union select c.parent_id from case_category c where c.id = $2 and c.parent_id is not null))
    and exists (select 1 from training_policy_notice pn where pn.policy_id = p.id and pn.notice_id = $3);
-- parameters: [1,1,1]

select p.id, p.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, p.title, p.document_no, p.issued_by,
  p.issued_on::text as issued_on, p.effective_on::text as effective_on, p.explainer,
  left(p.text, 300) as text_head, p.status, p.published_at, p.version, p.updated_at,
  (select json_agg(json_build_object('id', cc.id, 'code', cc.code, 'nameZh', cc.name_zh, 'nameEn', cc.name_en)
     order by cc.code)
   from training_policy_category pc join case_category cc on cc.id = pc.category_id
   where pc.policy_id = p.id) as categories
  from training_policy p join area a on a.id = p.area_id where (p.status = 'published' or p.area_id in (select app_training_area_ids(true)))
    
    
    
    and exists (select 1 from training_policy_category pc where pc.policy_id = p.id
            and pc.category_id in (select c.id from case_category c where c.id = $1
              union select c.parent_id from case_category c where c.id = $2 and c.parent_id is not null))
    and exists (select 1 from training_policy_notice pn where pn.policy_id = p.id and pn.notice_id = $3)
    order by p.published_at desc nulls first, p.id desc limit $4 offset $5;
-- parameters: [1,1,1,20,0]

-- model cases: words (jieba), ranked
select count(*)::int as n
    from model_case m join area a on a.id = m.area_id where (m.status = 'published' or a.path like any (array[$1]::text[]))
    and to_tsvector('simple', m.terms) @@ to_tsquery('simple', $2);
-- parameters: ["/1/%","'楼道堆物' | '清理'"]

select m.id, m.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
  a.path as area_path, m.source_kind, m.source_id, m.category_id, cc.code as category_code,
  cc.name_zh as category_name_zh, cc.name_en as category_name_en, m.title, m.problem, m.method, m.result, m.lessons,
  m.tags, m.status, m.checked_at, m.check_findings, m.published_at, m.version, m.created_at, m.updated_at
  from model_case m join area a on a.id = m.area_id left join case_category cc on cc.id = m.category_id where (m.status = 'published' or a.path like any (array[$1]::text[]))
    and to_tsvector('simple', m.terms) @@ to_tsquery('simple', $2)
    
    
    
    order by ts_rank(to_tsvector('simple', m.terms), to_tsquery('simple', $3)) desc, m.published_at desc nulls last, m.id desc
    limit $4 offset $5;
-- parameters: ["/1/%","'楼道堆物' | '清理'","'楼道堆物' | '清理'",20,0]

-- model cases: a category and source kind
select count(*)::int as n
    from model_case m join area a on a.id = m.area_id where (m.status = 'published' or a.path like any (array[$1]::text[]))
    
    and m.category_id = $2
    and m.source_kind = $3
    and m.status = $4;
-- parameters: ["/1/%",1,"dispute","published"]

select m.id, m.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
  a.path as area_path, m.source_kind, m.source_id, m.category_id, cc.code as category_code,
  cc.name_zh as category_name_zh, cc.name_en as category_name_en, m.title, m.problem, m.method, m.result, m.lessons,
  m.tags, m.status, m.checked_at, m.check_findings, m.published_at, m.version, m.created_at, m.updated_at
  from model_case m join area a on a.id = m.area_id left join case_category cc on cc.id = m.category_id where (m.status = 'published' or a.path like any (array[$1]::text[]))
    
    and m.category_id = $2
    and m.source_kind = $3
    and m.status = $4
    order by case m.status when 'draft' then 0 when 'published' then 1 else 2 end, m.published_at desc nulls last, m.id desc
    limit $5 offset $6;
-- parameters: ["/1/%",1,"dispute","published",20,0]

-- model cases: suggestions for a case
select "c"."id", "c"."category_id", "cc"."parent_id", "c"."description" from "cases" as "c" inner join "case_category" as "cc" on "cc"."id" = "c"."category_id" where "c"."id" = $1;
-- parameters: [1]

select m.id, m.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
  a.path as area_path, m.source_kind, m.source_id, m.category_id, cc.code as category_code,
  cc.name_zh as category_name_zh, cc.name_en as category_name_en, m.title, m.problem, m.method, m.result, m.lessons,
  m.tags, m.status, m.checked_at, m.check_findings, m.published_at, m.version, m.created_at, m.updated_at
  from model_case m join area a on a.id = m.area_id left join case_category cc on cc.id = m.category_id
    where m.status = 'published' and not (m.source_kind = 'case' and m.source_id = $1)
      and (m.category_id = $2
           or cc.parent_id = $3
           or to_tsvector('simple', m.terms) @@ to_tsquery('simple', $4))
    order by coalesce(m.category_id = $5, false) desc,
      coalesce(cc.parent_id = $6, false) desc,
      ts_rank(to_tsvector('simple', m.terms), to_tsquery('simple', $7)) desc, m.published_at desc, m.id desc
    limit 5;
-- parameters: [1,2,1,"'楼道' | '里' | '堆满' | '杂物' | '堵住' | '消防通道'",2,1,"'楼道' | '里' | '堆满' | '杂物' | '堵住' | '消防通道'"]

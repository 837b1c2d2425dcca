-- whole caller scope, last 30 days
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             null::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= $5 and c.handle_due_at < $6) or (c.closed_at >= $7 and c.closed_at < $8))
    ),
    agg as (
      select false as grouped, null::text as gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $9)::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $10 and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by ()
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((closed)::numeric / nullif(due_cases - shelved, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(due_cases - shelved, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(due_cases, 0), 4) as rework_rate,
           round((extended)::numeric / nullif(due_cases, 0), 4) as extension_rate,
           round((returned)::numeric / nullif(due_cases, 0), 4) as return_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by department
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.department_id::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= $5 and c.handle_due_at < $6) or (c.closed_at >= $7 and c.closed_at < $8))
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $9)::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $10 and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, (select l.code from department l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from department l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from department l where l.id = agg.gkey::integer) as g_name_en,
           round((closed)::numeric / nullif(due_cases - shelved, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(due_cases - shelved, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(due_cases, 0), 4) as rework_rate,
           round((extended)::numeric / nullif(due_cases, 0), 4) as extension_rate,
           round((returned)::numeric / nullif(due_cases, 0), 4) as return_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-09-30T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-09-30T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-10-31T16:00:00.000Z","2026-10-31T16:00:00.000Z"]

-- by street
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             (select s.id from area s where s.level = $1 and a.path like s.path || '%')::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($2::integer[], $3::numeric[], $4::numeric[], $5::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= $6 and c.handle_due_at < $7) or (c.closed_at >= $8 and c.closed_at < $9))
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $10)::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $11 and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, (select l.code from area l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from area l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from area l where l.id = agg.gkey::integer) as g_name_en,
           round((closed)::numeric / nullif(due_cases - shelved, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(due_cases - shelved, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(due_cases, 0), 4) as rework_rate,
           round((extended)::numeric / nullif(due_cases, 0), 4) as extension_rate,
           round((returned)::numeric / nullif(due_cases, 0), 4) as return_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["street",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by community, one area
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "area_id", "rules" from "case_rules" where "area_id" in ($1, $2, $3, $4);
-- parameters: [1,2,3,6]

with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             (select s.id from area s where s.level = $1 and a.path like s.path || '%')::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($2::integer[], $3::numeric[], $4::numeric[], $5::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= $6 and c.handle_due_at < $7) or (c.closed_at >= $8 and c.closed_at < $9))
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $10)::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $11 and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, (select l.code from area l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from area l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from area l where l.id = agg.gkey::integer) as g_name_en,
           round((closed)::numeric / nullif(due_cases - shelved, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(due_cases - shelved, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(due_cases, 0), 4) as rework_rate,
           round((extended)::numeric / nullif(due_cases, 0), 4) as extension_rate,
           round((returned)::numeric / nullif(due_cases, 0), 4) as return_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["community",[6],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by worker
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             wk.actor_id::text as gkey,
             wk.actor_name as gname,
             wk.at as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      left join lateral (
          select e.actor_id, e.actor_name, e.at from case_event e
          where e.case_id = c.id and e.action in ('department_accept', 'reply') and e.actor_id is not null
          order by e.at desc, e.id desc limit 1) wk on true
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= $5 and c.handle_due_at < $6) or (c.closed_at >= $7 and c.closed_at < $8))
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $9)::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < $10 and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((closed)::numeric / nullif(due_cases - shelved, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(due_cases - shelved, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(due_cases, 0), 4) as rework_rate,
           round((extended)::numeric / nullif(due_cases, 0), 4) as extension_rate,
           round((returned)::numeric / nullif(due_cases, 0), 4) as return_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- whole caller scope, last 30 days
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             null::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $2 and c.submitted_at < $3
        
        
    ),
    agg as (
      select false as grouped, null::text as gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($4::text[]))::int as open,
             count(*) filter (where state = any($5::text[]) and stage_due_at < $6)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by ()
    )
    select agg.*, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by area
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" = $1;
-- parameters: [6]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $2 and c.submitted_at < $3
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($4::text[]))::int as open,
             count(*) filter (where state = any($5::text[]) and stage_due_at < $6)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, (select l.code from area l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from area l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from area l where l.id = agg.gkey::integer) as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[6],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by department
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             c.department_id::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $2 and c.submitted_at < $3
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($4::text[]))::int as open,
             count(*) filter (where state = any($5::text[]) and stage_due_at < $6)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, (select l.code from department l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from department l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from department l where l.id = agg.gkey::integer) as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             c.category_id::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $2 and c.submitted_at < $3
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($4::text[]))::int as open,
             count(*) filter (where state = any($5::text[]) and stage_due_at < $6)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, (select l.code from case_category l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from case_category l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from case_category l where l.id = agg.gkey::integer) as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by worker
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             w.actor_id::text as gkey,
             w.actor_name as gname,
             w.at as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      left join lateral (
          select e.actor_id, e.actor_name, e.at from case_event e
          where e.case_id = c.id and e.action in ('department_accept', 'reply') and e.actor_id is not null
          order by e.at desc, e.id desc limit 1) w on true
      where c.submitted_at >= $2 and c.submitted_at < $3
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($4::text[]))::int as open,
             count(*) filter (where state = any($5::text[]) and stage_due_at < $6)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by day
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             to_char(c.submitted_at at time zone $1, 'YYYY-MM-DD') as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($2::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $3 and c.submitted_at < $4
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($5::text[]))::int as open,
             count(*) filter (where state = any($6::text[]) and stage_due_at < $7)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["Asia/Shanghai",[1],"2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by month
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             to_char(c.submitted_at at time zone $1, 'YYYY-MM') as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($2::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $3 and c.submitted_at < $4
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($5::text[]))::int as open,
             count(*) filter (where state = any($6::text[]) and stage_due_at < $7)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.*, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["Asia/Shanghai",[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- one department and category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "id" from "department" where "id" = $1;
-- parameters: [1]

select "id" from "case_category" where "id" = $1;
-- parameters: [1]

with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             null::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any($1::integer[]) and a.path like r.path || '%'
      
      where c.submitted_at >= $2 and c.submitted_at < $3
        and c.department_id = $4
        and c.category_id in (select id from case_category where id = $5 or parent_id = $6)
    ),
    agg as (
      select false as grouped, null::text as gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where state = any($7::text[]))::int as open,
             count(*) filter (where state = any($8::text[]) and stage_due_at < $9)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by ()
    )
    select agg.*, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((responded)::numeric / nullif(total, 0), 4) as response_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_response_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as resolution_rate,
           round((satisfied + basically_satisfied)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1,1,1,["submitted","accepted","dispatched","in_progress","replied","verified"],["submitted","accepted","dispatched","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

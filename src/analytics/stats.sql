-- whole caller scope, last 30 days
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             null::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $5 and c.submitted_at < $6
        
        
    ),
    agg as (
      select false as grouped, null::text as gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $7))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($8::text[]))::int as open,
             count(*) filter (where state = any($9::text[]) and stage_due_at < $10)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by ()
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by area
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "area_id", "rules" from "case_rules" where "area_id" in ($1, $2, $3, $4);
-- parameters: [1,2,3,6]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $5 and c.submitted_at < $6
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $7))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($8::text[]))::int as open,
             count(*) filter (where state = any($9::text[]) and stage_due_at < $10)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, (select l.code from area l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from area l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from area l where l.id = agg.gkey::integer) as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[6],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by department
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             0 as returns, 0 as return_denied,
             c.department_id::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $5 and c.submitted_at < $6
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $7))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($8::text[]))::int as open,
             count(*) filter (where state = any($9::text[]) and stage_due_at < $10)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, (select l.code from department l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from department l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from department l where l.id = agg.gkey::integer) as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

select d.dept, count(*) filter (where d.action = 'return')::int as returns,
           count(*) filter (where d.action = 'deny_return')::int as denied
    from (
      select e.action,
             case when e.action = 'return' then e.department_id
                  else (select p.department_id from case_event p
                        where p.case_id = e.case_id and p.action = 'return' and (p.at, p.id) < (e.at, e.id)
                        order by p.at desc, p.id desc limit 1) end as dept
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      join case_event e on e.case_id = c.id and e.action in ('return', 'deny_return')
      where c.submitted_at >= $5 and c.submitted_at < $6 and c.state <> 'merged'
        
        
    ) d
    group by d.dept
    order by d.dept nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             c.category_id::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $5 and c.submitted_at < $6
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $7))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($8::text[]))::int as open,
             count(*) filter (where state = any($9::text[]) and stage_due_at < $10)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, (select l.code from case_category l where l.id = agg.gkey::integer) as g_code, (select l.name_zh from case_category l where l.id = agg.gkey::integer) as g_name_zh, (select l.name_en from case_category l where l.id = agg.gkey::integer) as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by worker
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
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
      where c.submitted_at >= $5 and c.submitted_at < $6
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $7))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($8::text[]))::int as open,
             count(*) filter (where state = any($9::text[]) and stage_due_at < $10)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by day
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             to_char(c.submitted_at at time zone $1, 'YYYY-MM-DD') as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($2::integer[], $3::numeric[], $4::numeric[], $5::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $6 and c.submitted_at < $7
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $8))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($9::text[]))::int as open,
             count(*) filter (where state = any($10::text[]) and stage_due_at < $11)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["Asia/Shanghai",[1],[1],[1],[0],"2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- by month
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             to_char(c.submitted_at at time zone $1, 'YYYY-MM') as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($2::integer[], $3::numeric[], $4::numeric[], $5::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $6 and c.submitted_at < $7
        
        
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $8))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($9::text[]))::int as open,
             count(*) filter (where state = any($10::text[]) and stage_due_at < $11)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by grouping sets ((), (gkey))
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: ["Asia/Shanghai",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- one department and category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "id" from "department" where "id" = $1;
-- parameters: [1]

select "id" from "case_category" where "id" = $1;
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

with scoped as (
      select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
             c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
             c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
             case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end as weight,
             c.return_count as returns, c.return_denied_count as return_denied,
             null::text as gkey,
             null::text as gname,
             null::timestamptz as gat
      from cases c
      join area a on a.id = c.area_id
      join unnest($1::integer[], $2::numeric[], $3::numeric[], $4::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
      
      where c.submitted_at >= $5 and c.submitted_at < $6
        and c.department_id = $7
        and c.category_id in (select id from case_category where id = $8 or parent_id = $9)
    ),
    agg as (
      select false as grouped, null::text as gkey,
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where contact_required)::int as contact_required,
             count(*) filter (where not contact_required)::int as no_contact,
             count(*) filter (where contact_required and contact_due_at is not null
                              and (contacted_at is not null or contact_due_at < $10))::int as contact_due,
             count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
             count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
             count(*) filter (where rating_status = 'rated')::int as rated,
             count(*) filter (where rating_status = 'rated' and solved)::int as solved,
             count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
             coalesce(sum(weight), 0) as weighted,
             count(*) filter (where rating_status = 'not_rated')::int as not_rated,
             count(*) filter (where direct_answer)::int as direct_answers,
             count(*) filter (where channel = 'proactive')::int as proactive,
             count(*) filter (where state = 'shelved')::int as shelved,
             coalesce(sum(returns), 0)::int as returns,
             coalesce(sum(return_denied), 0)::int as return_denied,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where state in ('closed', 'rated'))::int as closed,
             count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where state = any($11::text[]))::int as open,
             count(*) filter (where state = any($12::text[]) and stage_due_at < $13)::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by ()
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en,
           round((contacted_on_time)::numeric / nullif(contact_due, 0), 4) as response_rate,
           round((solved)::numeric / nullif(rated, 0), 4) as resolution_rate,
           round((weighted)::numeric / nullif(rated, 0), 4) as satisfaction_rate,
           round((proactive)::numeric / nullif(total, 0), 4) as proactive_share,
           round((responded)::numeric / nullif(total, 0), 4) as acceptance_rate,
           round((responded_on_time)::numeric / nullif(responded, 0), 4) as on_time_acceptance_rate,
           round((closed)::numeric / nullif(total - rejected, 0), 4) as closure_rate,
           round((closed_on_time)::numeric / nullif(closed, 0), 4) as on_time_closure_rate,
           round((reworked)::numeric / nullif(closed, 0), 4) as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1,1,1,"2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

-- whole caller scope, last 30 days
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select null::text as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
      select null::text, w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($7::integer[], $8::numeric[], $9::numeric[], $10::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $11 and c.submitted_at < $12) or (c.submitted_at >= $13 and c.submitted_at < $14))   union all 
    select null::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($15::integer[], $16::numeric[], $17::numeric[], $18::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $19 and c.submitted_at >= $20 and c.submitted_at < $21   union all 
    select null::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($22::integer[], $23::numeric[], $24::numeric[], $25::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($26::text[]) and c.stage_due_at < $27 and c.submitted_at >= $28 and c.submitted_at < $29  
    ),
    agg as (
      select false as grouped, null::text as gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by ()
      -- A group is listed when it has a case of the population (or, by department, a return).
      having true
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-25","2026-11-23",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by area
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" = $1;
-- parameters: [6]

select "area_id", "rules" from "case_rules" where "area_id" in ($1, $2, $3, $4);
-- parameters: [1,2,3,6]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[6],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select x.area_id::text as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join area a on a.id = r.id or a.parent_id = r.id
              join case_rollup_live x on x.area_id = a.id and (a.id <> r.id or x.own)
      where x.day >= $5::date and x.day < $6::date
          union all 
      select coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text, w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($7::integer[], $8::numeric[], $9::numeric[], $10::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $11 and c.submitted_at < $12) or (c.submitted_at >= $13 and c.submitted_at < $14))   union all 
    select coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($15::integer[], $16::numeric[], $17::numeric[], $18::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $19 and c.submitted_at >= $20 and c.submitted_at < $21   union all 
    select coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($22::integer[], $23::numeric[], $24::numeric[], $25::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($26::text[]) and c.stage_due_at < $27 and c.submitted_at >= $28 and c.submitted_at < $29  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[6],[1],[1],[0],"2026-10-25","2026-11-23",[6],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",[6],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",[6],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by department
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select x.department_id::text as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.dept_returns, x.dept_return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
      select c.department_id::text, w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.dept_returns, k.dept_return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($7::integer[], $8::numeric[], $9::numeric[], $10::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $11 and c.submitted_at < $12) or (c.submitted_at >= $13 and c.submitted_at < $14))   union all 
        select k.department_id::text, 0, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.dept_returns, k.dept_return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
        from cases c join area a on a.id = c.area_id join unnest($15::integer[], $16::numeric[], $17::numeric[], $18::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_event_rows(c, 1) k
        where k.own and ((c.submitted_at >= $19 and c.submitted_at < $20) or (c.submitted_at >= $21 and c.submitted_at < $22))   union all 
    select c.department_id::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($23::integer[], $24::numeric[], $25::numeric[], $26::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $27 and c.submitted_at >= $28 and c.submitted_at < $29   union all 
    select c.department_id::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($30::integer[], $31::numeric[], $32::numeric[], $33::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($34::text[]) and c.stage_due_at < $35 and c.submitted_at >= $36 and c.submitted_at < $37  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-25","2026-11-23",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- by category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select x.category_id::text as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
      select c.category_id::text, w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($7::integer[], $8::numeric[], $9::numeric[], $10::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $11 and c.submitted_at < $12) or (c.submitted_at >= $13 and c.submitted_at < $14))   union all 
    select c.category_id::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($15::integer[], $16::numeric[], $17::numeric[], $18::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $19 and c.submitted_at >= $20 and c.submitted_at < $21   union all 
    select c.category_id::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($22::integer[], $23::numeric[], $24::numeric[], $25::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($26::text[]) and c.stage_due_at < $27 and c.submitted_at >= $28 and c.submitted_at < $29  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-25","2026-11-23",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

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

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select to_char(x.day, 'YYYY-MM-DD') as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
      select to_char(c.submitted_at at time zone $7, 'YYYY-MM-DD'), w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($8::integer[], $9::numeric[], $10::numeric[], $11::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $12 and c.submitted_at < $13) or (c.submitted_at >= $14 and c.submitted_at < $15))   union all 
    select to_char(c.submitted_at at time zone $16, 'YYYY-MM-DD'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($17::integer[], $18::numeric[], $19::numeric[], $20::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $21 and c.submitted_at >= $22 and c.submitted_at < $23   union all 
    select to_char(c.submitted_at at time zone $24, 'YYYY-MM-DD'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($25::integer[], $26::numeric[], $27::numeric[], $28::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($29::text[]) and c.stage_due_at < $30 and c.submitted_at >= $31 and c.submitted_at < $32  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-11-02","2026-11-23","Asia/Shanghai",[1],[1],[1],[0],"2026-11-01T00:00:00.000Z","2026-11-01T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T00:00:00.000Z","Asia/Shanghai",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z","Asia/Shanghai",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-11-01T00:00:00.000Z","2026-11-23T00:00:00.000Z"]

-- by month
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select to_char(x.day, 'YYYY-MM') as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
      select to_char(c.submitted_at at time zone $7, 'YYYY-MM'), w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($8::integer[], $9::numeric[], $10::numeric[], $11::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $12 and c.submitted_at < $13) or (c.submitted_at >= $14 and c.submitted_at < $15))   union all 
    select to_char(c.submitted_at at time zone $16, 'YYYY-MM'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($17::integer[], $18::numeric[], $19::numeric[], $20::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $21 and c.submitted_at >= $22 and c.submitted_at < $23   union all 
    select to_char(c.submitted_at at time zone $24, 'YYYY-MM'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($25::integer[], $26::numeric[], $27::numeric[], $28::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($29::text[]) and c.stage_due_at < $30 and c.submitted_at >= $31 and c.submitted_at < $32  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-25","2026-11-23","Asia/Shanghai",[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z","Asia/Shanghai",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z","Asia/Shanghai",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z"]

-- one department and category
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "id" from "department" where "id" = $1;
-- parameters: [1]

select "id" from "case_category" where "id" = $1;
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select null::text as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
        and x.department_id = $7 and x.category_id in (select id from case_category where id = $8 or parent_id = $9) union all 
      select null::text, w.ws * k.satisfied + w.wb * k.basically_satisfied + w.wu * k.unsatisfied, k.total, k.contact_required, k.no_contact, k.contacted, k.contacted_on_time, k.rated,
      k.solved, k.satisfied, k.basically_satisfied, k.unsatisfied, k.not_rated, k.direct_answers,
      case when k.channel = 'proactive' then k.total else 0 end, k.shelved,
      k.returns, k.return_denied,
      k.responded, k.responded_on_time, k.rejected, k.closed, k.closed_on_time, k.reworked, k.open,
      k.handling_seconds, k.merged, 0, 0
      from cases c join area a on a.id = c.area_id join unnest($10::integer[], $11::numeric[], $12::numeric[], $13::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%' cross join lateral case_rollup_rows(c, 1) k
      where k.own and ((c.submitted_at >= $14 and c.submitted_at < $15) or (c.submitted_at >= $16 and c.submitted_at < $17)) and c.department_id = $18 and c.category_id in (select id from case_category where id = $19 or parent_id = $20) union all 
    select null::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($21::integer[], $22::numeric[], $23::numeric[], $24::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $25 and c.submitted_at >= $26 and c.submitted_at < $27 and c.department_id = $28 and c.category_id in (select id from case_category where id = $29 or parent_id = $30) union all 
    select null::text, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($31::integer[], $32::numeric[], $33::numeric[], $34::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($35::text[]) and c.stage_due_at < $36 and c.submitted_at >= $37 and c.submitted_at < $38 and c.department_id = $39 and c.category_id in (select id from case_category where id = $40 or parent_id = $41)
    ),
    agg as (
      select false as grouped, null::text as gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by ()
      -- A group is listed when it has a case of the population (or, by department, a return).
      having true
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-25","2026-11-23",1,1,1,[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-10-24T16:00:00.000Z","2026-11-22T16:00:00.000Z","2026-11-23T02:00:00.000Z",1,1,1,[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1,1,1,[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1,1,1]

-- by channel, whole days (rollup only, no edges)
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "area_id", "rules" from "case_rules" where "area_id" in ($1);
-- parameters: [1]

select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any($1::integer[]) and a.timezone <> $2) as other;
-- parameters: [[1],"Asia/Shanghai"]

select set_config('plan_cache_mode', 'force_custom_plan', true);
-- parameters: []

with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      
      select x.channel as gkey, w.ws * x.satisfied + w.wb * x.basically_satisfied + w.wu * x.unsatisfied as weighted, x.total, x.contact_required, x.no_contact, x.contacted, x.contacted_on_time, x.rated,
      x.solved, x.satisfied, x.basically_satisfied, x.unsatisfied, x.not_rated, x.direct_answers,
      case when x.channel = 'proactive' then x.total else 0 end, x.shelved,
      x.returns, x.return_denied,
      x.responded, x.responded_on_time, x.rejected, x.closed, x.closed_on_time, x.reworked, x.open,
      x.handling_seconds, x.merged, 0, 0
      from unnest($1::integer[], $2::numeric[],
                  $3::numeric[],
                  $4::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      join case_rollup_live x on x.area_id = r.id
      where x.day >= $5::date and x.day < $6::date
          union all 
    select c.channel, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from cases c join area a on a.id = c.area_id join unnest($7::integer[], $8::numeric[], $9::numeric[], $10::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < $11 and c.submitted_at >= $12 and c.submitted_at < $13   union all 
    select c.channel, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from cases c join area a on a.id = c.area_id join unnest($14::integer[], $15::numeric[], $16::numeric[], $17::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'
    where c.state = any($18::text[]) and c.stage_due_at < $19 and c.submitted_at >= $20 and c.submitted_at < $21  
    ),
    agg as (
      select grouping(gkey) = 0 as grouped, gkey,
             null::text as gname,
             coalesce(sum(total), 0)::int as total, coalesce(sum(contact_required), 0)::int as contact_required, coalesce(sum(no_contact), 0)::int as no_contact,
             coalesce(sum(contacted + contact_late), 0)::int as contact_due, coalesce(sum(contacted), 0)::int as contacted,
             coalesce(sum(contacted_on_time), 0)::int as contacted_on_time, coalesce(sum(rated), 0)::int as rated, coalesce(sum(solved), 0)::int as solved,
             coalesce(sum(satisfied), 0)::int as satisfied, coalesce(sum(basically_satisfied), 0)::int as basically_satisfied,
             coalesce(sum(unsatisfied), 0)::int as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             coalesce(sum(not_rated), 0)::int as not_rated, coalesce(sum(direct_answers), 0)::int as direct_answers, coalesce(sum(proactive), 0)::int as proactive,
             coalesce(sum(shelved), 0)::int as shelved, coalesce(sum(returns), 0)::int as returns, coalesce(sum(return_denied), 0)::int as return_denied,
             coalesce(sum(responded), 0)::int as responded, coalesce(sum(responded_on_time), 0)::int as responded_on_time,
             coalesce(sum(rejected), 0)::int as rejected, coalesce(sum(closed), 0)::int as closed, coalesce(sum(closed_on_time), 0)::int as closed_on_time,
             coalesce(sum(reworked), 0)::int as reworked, coalesce(sum(open), 0)::int as open, coalesce(sum(overdue), 0)::int as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             coalesce(sum(merged), 0)::int as merged
      from src
      group by grouping sets ((), (gkey))
      -- A group is listed when it has a case of the population (or, by department, a return).
      having grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0
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
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last;
-- parameters: [[1],[1],[1],[0],"2026-11-01","2026-11-23",[1],[1],[1],[0],"2026-11-23T02:00:00.000Z","2026-10-31T16:00:00.000Z","2026-11-22T16:00:00.000Z",[1],[1],[1],[0],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z","2026-10-31T16:00:00.000Z","2026-11-22T16:00:00.000Z"]

-- by department within one department (counted from the cases)
select "id", "path", "code", "name_zh", "name_en", "timezone" from "area" where "id" in ($1) order by "path";
-- parameters: [1]

select "id" from "department" where "id" = $1;
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
          and c.department_id = $7
          
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
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1,"2026-11-23T02:00:00.000Z",["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],["verifying","submitted","accepted","dispatched","return_requested","in_progress","replied","verified"],"2026-11-23T02:00:00.000Z"]

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
        and c.department_id = $7
        
    ) d
    group by d.dept
    order by d.dept nulls last;
-- parameters: [[1],[1],[1],[0],"2026-10-24T02:00:00.000Z","2026-11-23T02:00:00.000Z",1]

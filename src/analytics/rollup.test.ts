import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, openTestPlatform, type TestPlatform } from '../../test/support.js'
import type { Db } from '../core/db.js'
import { inScope, type RequestContext } from '../core/scope.js'
import { foldCaseRollup } from './rollup.js'
import { caseStats, type StatsQuery } from './stats.js'

// The rollup (migration 0077) must equal a full recount at every instant. A seeded random workload
// writes cases the way the workflow and the tools do — inserts in batches, state changes with
// closures, ratings, reopenings and rework, merges, returns and denials (events plus counters),
// re-categorisation, re-dispatch, moves of a case to another grid and of a community to another
// street — with folds in between, so folded and unfolded deltas mix. Then (1) every rollup key
// (area on the path × own × category × department × channel × day) is compared with a recount
// written here from scratch over `cases` and `case_event`, and (2) /stats/cases answered from the
// rollup is compared with the same statistics counted over the cases alone, for every grouping,
// for whole-day and ragged periods.

const NOW = new Date('2026-11-23T02:00:00Z')
const DAY = 86400_000

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const COUNTERS = [
  'total',
  'contact_required',
  'no_contact',
  'contacted',
  'contacted_on_time',
  'rated',
  'solved',
  'satisfied',
  'basically_satisfied',
  'unsatisfied',
  'not_rated',
  'direct_answers',
  'shelved',
  'returns',
  'return_denied',
  'responded',
  'responded_on_time',
  'rejected',
  'closed',
  'closed_on_time',
  'reworked',
  'open',
  'extended',
  'returned',
  'handling_seconds',
  'merged',
  'dept_returns',
  'dept_return_denied',
] as const

/** The recount, written without the rollup's functions: each figure straight from its definition. */
async function recount(db: Db): Promise<Map<string, Record<string, number>>> {
  const { rows } = await sql<Record<string, unknown>>`
    with base as (
      select anc.id as k_area, anc.id = c.area_id as k_own, (c.submitted_at at time zone a.timezone)::date as k_day, c.*
      from cases c join area a on a.id = c.area_id
      join area anc on a.path like anc.path || '%'
    ), counted as (
      select k_area as area_id, k_own as own, category_id, department_id, channel, k_day as day,
        count(*) filter (where state <> 'merged') as total,
        count(*) filter (where state <> 'merged' and contact_required) as contact_required,
        count(*) filter (where state <> 'merged' and not contact_required) as no_contact,
        count(*) filter (where state <> 'merged' and contact_required and contact_due_at is not null and contacted_at is not null) as contacted,
        count(*) filter (where state <> 'merged' and contact_required and contacted_at <= contact_due_at) as contacted_on_time,
        count(*) filter (where state <> 'merged' and rating_status = 'rated') as rated,
        count(*) filter (where state <> 'merged' and rating_status = 'rated' and solved) as solved,
        count(*) filter (where state <> 'merged' and rating_status = 'rated' and rating = 'satisfied') as satisfied,
        count(*) filter (where state <> 'merged' and rating_status = 'rated' and rating = 'basically_satisfied') as basically_satisfied,
        count(*) filter (where state <> 'merged' and rating_status = 'rated' and rating = 'unsatisfied') as unsatisfied,
        count(*) filter (where state <> 'merged' and rating_status = 'not_rated') as not_rated,
        count(*) filter (where state <> 'merged' and direct_answer) as direct_answers,
        count(*) filter (where state = 'shelved') as shelved,
        coalesce(sum(return_count) filter (where state <> 'merged'), 0) as returns,
        coalesce(sum(return_denied_count) filter (where state <> 'merged'), 0) as return_denied,
        count(*) filter (where state <> 'merged' and responded_at is not null) as responded,
        count(*) filter (where state <> 'merged' and responded_at <= response_due_at) as responded_on_time,
        count(*) filter (where state = 'rejected') as rejected,
        count(*) filter (where state in ('closed', 'rated')) as closed,
        count(*) filter (where state in ('closed', 'rated') and replied_at <= handle_due_at) as closed_on_time,
        count(*) filter (where state in ('closed', 'rated') and (rework_count > 0 or reopen_count > 0)) as reworked,
        count(*) filter (where state in ('verifying', 'submitted', 'accepted', 'dispatched', 'return_requested', 'in_progress', 'replied', 'verified')) as open,
        count(*) filter (where state <> 'merged' and extension_count > 0) as extended,
        count(*) filter (where state <> 'merged' and return_count > 0) as returned,
        coalesce(sum(extract(epoch from closed_at - submitted_at)) filter (where state in ('closed', 'rated')), 0) as handling_seconds,
        count(*) filter (where state = 'merged') as merged,
        0 as dept_returns, 0 as dept_return_denied
      from base group by 1, 2, 3, 4, 5, 6
    ), by_event as (
      select b.k_area as area_id, b.k_own as own, b.category_id, ev.dept as department_id, b.channel, b.k_day as day,
        count(*) filter (where ev.action = 'return') as dept_returns,
        count(*) filter (where ev.action = 'deny_return') as dept_return_denied
      from base b
      join lateral (
        select e.action, case when e.action = 'return' then e.department_id
          else (select p.department_id from case_event p where p.case_id = e.case_id and p.action = 'return'
                and (p.at, p.id) < (e.at, e.id) order by p.at desc, p.id desc limit 1) end as dept
        from case_event e where e.case_id = b.id and e.action in ('return', 'deny_return')) ev on true
      where b.state <> 'merged'
      group by 1, 2, 3, 4, 5, 6
    )
    select * from counted
    union all
    select area_id, own, category_id, department_id, channel, day, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           0, 0, 0, 0, 0, 0, 0, 0, 0, dept_returns, dept_return_denied
    from by_event`.execute(db)
  return keyed(rows)
}

async function rolledUp(db: Db): Promise<Map<string, Record<string, number>>> {
  const { rows } = await sql<Record<string, unknown>>`
    select area_id, own, category_id, department_id, channel, day,
      ${sql.raw(COUNTERS.map((c) => `sum(${c}) as ${c}`).join(', '))}
    from case_rollup_live group by 1, 2, 3, 4, 5, 6`.execute(db)
  return keyed(rows)
}

/** Rows summed per key, keys whose every counter is zero dropped (a case that left leaves zeros). */
function keyed(rows: Record<string, unknown>[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>()
  for (const r of rows) {
    const day = r.day instanceof Date ? r.day.toISOString().slice(0, 10) : String(r.day)
    const key = [r.area_id, r.own, r.category_id, r.department_id ?? '-', r.channel, day].join('|')
    const acc = out.get(key) ?? Object.fromEntries(COUNTERS.map((c) => [c, 0]))
    for (const c of COUNTERS) acc[c]! += Number(r[c])
    out.set(key, acc)
  }
  for (const [k, v] of out) if (COUNTERS.every((c) => v[c] === 0)) out.delete(k)
  return out
}

describe.each(backends())('the case rollup on %s', (backend) => {
  let p: TestPlatform
  let db: Db
  const ctx: RequestContext = {
    actor: { userId: 1, username: 'admin', displayName: 'admin', grants: [{ role: 'admin', areaId: 1, path: '/1/' }] },
    ip: '127.0.0.1',
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    db = p.database.db
  })
  afterAll(() => p.close())

  it('equals a full recount after a random workload with reopenings, merges, returns and moves of areas', async () => {
    const rand = rng(20261207)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
    const grids = await db.selectFrom('area').select(['id', 'path']).where('level', '=', 'grid').execute()
    const categories = (await db.selectFrom('case_category').select('id').execute()).map((c) => c.id)
    const departments = (await db.selectFrom('department').select('id').execute()).map((d) => d.id)
    const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
    const channels = ['portal', 'hotline', 'patrol', 'proactive', 'open311'] as const
    const ids: number[] = []

    // Inserts, in statements of several rows (the generator's way) and of one (intake's).
    for (let batch = 0; batch < 12; batch++) {
      const rows = Array.from({ length: batch % 3 === 0 ? 1 : 25 }, (_, i) => {
        const submitted = new Date(NOW.getTime() - Math.floor(rand() * 60 * DAY))
        const dispatched = rand() < 0.8
        const contact = rand() < 0.6
        return {
          tracking_code: `T-RU-${batch}-${i}`,
          category_id: pick(categories),
          area_id: pick(grids).id,
          district_id: district.id,
          channel: pick(channels),
          state: dispatched ? 'in_progress' : 'submitted',
          description: '汇总测试',
          department_id: dispatched ? pick(departments) : null,
          submitted_at: submitted,
          response_due_at: new Date(submitted.getTime() + 4 * 3600_000),
          responded_at: dispatched && rand() < 0.9 ? new Date(submitted.getTime() + rand() * 8 * 3600_000) : null,
          handle_due_at: dispatched ? new Date(submitted.getTime() + 7 * DAY) : null,
          stage_due_at: new Date(submitted.getTime() + 7 * DAY),
          contact_required: contact,
          contact_due_at: contact && dispatched ? new Date(submitted.getTime() + 24 * 3600_000) : null,
          contacted_at:
            contact && dispatched && rand() < 0.7 ? new Date(submitted.getTime() + rand() * 48 * 3600_000) : null,
          extension_count: rand() < 0.1 ? 1 : 0,
          updated_at: submitted,
        }
      })
      const inserted = await db.insertInto('cases').values(rows).returning('id').execute()
      ids.push(...inserted.map((r) => r.id))
      if (batch === 5) await foldCaseRollup(db)
    }

    const one = async (fn: (id: number) => Promise<unknown>) => fn(pick(ids))
    for (let step = 0; step < 250; step++) {
      const r = rand()
      if (r < 0.25) {
        // A closure, possibly rated (solved or not) or not rated.
        await one((id) =>
          sql`update cases set state = ${rand() < 0.5 ? 'rated' : 'closed'}, replied_at = submitted_at + interval '3 days',
              closed_at = submitted_at + interval '4 days',
              rating_status = ${pick(['rated', 'not_rated', null])},
              rating = ${pick(['satisfied', 'basically_satisfied', 'unsatisfied'])}, solved = ${rand() < 0.6},
              direct_answer = ${rand() < 0.1}
              where id = ${id} and state <> 'merged'`.execute(db),
        )
      } else if (r < 0.35) {
        // A reopening: open again, closure cleared, the count kept.
        await one((id) =>
          sql`update cases set state = 'in_progress', closed_at = null, rating = null, rating_status = null,
              solved = null, reopen_count = reopen_count + 1 where id = ${id} and state in ('closed', 'rated')`.execute(
            db,
          ),
        )
      } else if (r < 0.42) {
        await one((id) =>
          sql`update cases set rework_count = rework_count + 1, state = 'in_progress' where id = ${id} and state <> 'merged'`.execute(
            db,
          ),
        )
      } else if (r < 0.5) {
        const into = pick(ids)
        await one((id) =>
          sql`update cases set state = 'merged', merged_into_id = ${into} where id = ${id} and id <> ${into}`.execute(
            db,
          ),
        )
      } else if (r < 0.62) {
        // A return (the event names the returning department) and, sometimes, its denial.
        await one(async (id) => {
          const c = await db
            .selectFrom('cases')
            .select(['department_id', 'state'])
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
          if (c.state === 'merged') return
          const at = new Date(NOW.getTime() - Math.floor(rand() * DAY))
          await db
            .insertInto('case_event')
            .values({ case_id: id, at, action: 'return', to_state: 'return_requested', department_id: c.department_id })
            .execute()
          await sql`update cases set return_count = return_count + 1 where id = ${id}`.execute(db)
          if (rand() < 0.4) {
            await db
              .insertInto('case_event')
              .values({
                case_id: id,
                at: new Date(at.getTime() + 60_000),
                action: 'deny_return',
                to_state: 'dispatched',
              })
              .execute()
            await sql`update cases set return_denied_count = return_denied_count + 1 where id = ${id}`.execute(db)
          } else {
            // Approved: re-dispatched elsewhere.
            await sql`update cases set department_id = ${pick(departments)} where id = ${id}`.execute(db)
          }
        })
      } else if (r < 0.7) {
        await one((id) => sql`update cases set category_id = ${pick(categories)} where id = ${id}`.execute(db))
      } else if (r < 0.78) {
        await one((id) => sql`update cases set area_id = ${pick(grids).id} where id = ${id}`.execute(db))
      } else if (r < 0.86) {
        await one((id) =>
          sql`update cases set state = ${pick(['shelved', 'rejected', 'verifying', 'replied'])} where id = ${id} and state <> 'merged'`.execute(
            db,
          ),
        )
      } else if (r < 0.9) {
        await foldCaseRollup(db)
      } else {
        // Several cases in one statement (a bulk tool's write).
        await sql`update cases set contacted_at = coalesce(contacted_at, submitted_at + interval '30 hours')
            where id = any(${ids.filter(() => rand() < 0.05)}::bigint[])`.execute(db)
      }
    }

    // A community moves to the other street, its grids with it (paths rewritten in one statement).
    const community = await db
      .selectFrom('area')
      .select(['id', 'path', 'parent_id'])
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    const street = await db
      .selectFrom('area')
      .select(['id', 'path'])
      .where('level', '=', 'street')
      .where('id', '<>', community.parent_id!)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const newPath = `${street.path}${community.id}/`
    await sql`update area set parent_id = case when id = ${community.id} then ${street.id} else parent_id end,
        path = ${newPath} || substr(path, length(${community.path}) + 1)
        where path like ${`${community.path}%`}`.execute(db)

    const [expected, actual] = [await recount(db), await rolledUp(db)]
    expect(expected.size).toBeGreaterThan(500)
    expect(actual).toEqual(expected)

    // Folding changes where the rows are, never what they sum to.
    await foldCaseRollup(db)
    expect(await rolledUp(db)).toEqual(expected)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from case_rollup_delta`.execute(db)
    expect(rows[0]!.n).toBe(0)
  })

  it('answers /stats/cases from the rollup exactly as the count over the cases does', async () => {
    const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
    const street = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01').executeTakeFirstOrThrow()
    const dept = await db
      .selectFrom('cases')
      .select('department_id')
      .where('department_id', 'is not', null)
      .executeTakeFirstOrThrow()
    const queries: StatsQuery[] = []
    for (const groupBy of [undefined, 'area', 'department', 'category', 'channel', 'day', 'month'] as const)
      for (const period of [
        { from: '2026-10-01', to: '2026-11-24' }, // whole days
        { from: '2026-10-03T09:30:00+08:00', to: '2026-11-20T17:45:00+08:00' }, // ragged both ends
        { from: '2026-11-10T12:00:00+08:00', to: '2026-11-10T18:00:00+08:00' }, // inside one day
        {}, // the default: the 30 days up to now
      ])
        queries.push({ areaId: district.id, groupBy, ...period })
    queries.push({ areaId: street.id, groupBy: 'area', from: '2026-09-01', to: '2026-12-01' })
    queries.push({ areaId: street.id, departmentId: dept.department_id!, from: '2026-09-01', to: '2026-12-01' })
    queries.push({ groupBy: 'category', categoryId: 1, from: '2026-09-01', to: '2026-12-01' })
    for (const q of queries) {
      const fast = await inScope(db, ctx, (tx) => caseStats(tx, ctx, q, NOW))
      const slow = await inScope(db, ctx, (tx) => caseStats(tx, ctx, q, NOW, { rollup: false }))
      expect(fast, JSON.stringify(q)).toEqual(slow)
    }
  })
})

import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { applyCheckUpdates, buildCheckList, checkTimerHandler } from './checks.js'

// The checks done so far in the demo's active heatwave in 桂花 (G01–G03): the grid worker and
// the staff have reached some people (several safe, one needing help, which told the commander),
// one was unreachable long enough to be escalated (the timer fired), and most are still waiting,
// so guihua.grid has doors to knock on. Marks go through the use case, as the phones send them.
// (The closed flood drill's list was worked through by the incidents part's demo.)

const MIN = 60_000

/** A stable UUID per demo mark, so a re-seed makes the same operations. */
const opId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

/**
 * Runs `fn` with the demo user's grants in the transaction's settings (the definer functions that
 * answer the check list's people read them), then puts the previous settings back.
 */
async function as<T>(tx: Tx, ctx: RequestContext, fn: () => Promise<T>): Promise<T> {
  const grants = (ctx.actor?.grants ?? []).map((g) => `${g.role}:${g.path}`).join(',')
  const { rows } = await sql<{ user_id: string | null; grants: string | null }>`
    select current_setting('app.user_id', true) as user_id, current_setting('app.grants', true) as grants`.execute(tx)
  await sql`select set_config('app.user_id', ${String(ctx.actor?.userId ?? '')}, true),
                   set_config('app.grants', ${grants}, true)`.execute(tx)
  try {
    return await fn()
  } finally {
    await sql`select set_config('app.user_id', ${rows[0]?.user_id ?? ''}, true),
                     set_config('app.grants', ${rows[0]?.grants ?? ''}, true)`.execute(tx)
  }
}

export async function seedChecksDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const heat = await tx
    .selectFrom('incident')
    .select(['id', 'check_tags', 'declared_at'])
    .where('area_id', '=', guihua)
    .where('kind', '=', 'heatwave')
    .where('status', '=', 'active')
    .orderBy('id')
    .executeTakeFirst()
  if (!heat) return {}
  const grids = await Promise.all(['G01', 'G02', 'G03'].map((g) => areaIdByCode(tx, `JZ-QH-01-01-${g}`)))

  // The demo registry tags few people; the five oldest untagged residents of each grid are on the
  // community's special-care register (重点关怀) too, so the list has work on every grid.
  for (const grid of grids) {
    const { rows } = await sql<{ id: number }>`
      update person set tags = tags || array['key_care'], updated_at = ${heat.declared_at}, version = version + 1
      where id in (select id from person where area_id = ${grid} and status = 'active'
                     and not tags && ${heat.check_tags}::text[]
                   order by birth_date nulls last, id limit 5)
      returning id`.execute(tx)
    for (const r of rows)
      await sql`insert into registry_history (entity, entity_id, area_id, at, actor_id, actor_name, action, reason, changes, snapshot)
                select 'person', p.id, p.area_id, ${heat.declared_at}, null, 'demo', 'update', 'demo data: special-care register',
                       jsonb_build_object('tags', jsonb_build_object('to', p.tags)), to_jsonb(p)
                from person p where p.id = ${r.id}`.execute(tx)
  }
  await buildCheckList(tx, Number(heat.id), grids, heat.check_tags, new Date(heat.declared_at))

  const checks = await tx
    .selectFrom('incident_check')
    .select(['id', 'area_id'])
    .where('incident_id', '=', heat.id)
    .orderBy('area_id')
    .orderBy('id')
    .execute()
  const inGrid = (g: number) => checks.filter((c) => c.area_id === g).map((c) => Number(c.id))
  const [g1, g2, g3] = grids.map(inGrid) as [number[], number[], number[]]
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * MIN).toISOString()
  const gridWorker = await demoActor(tx, 'guihua.grid')
  const staff = await demoActor(tx, 'guihua.staff')
  let n = 0
  const mark = (
    checkId: number | undefined,
    status: 'safe' | 'needs_help' | 'unreachable',
    minutesAgo: number,
    note?: string,
  ) =>
    checkId === undefined
      ? []
      : [{ checkId, opId: opId(++n), status, observedAt: at(minutesAgo), ...(note ? { note } : {}) }]

  // guihua.grid on G01: the first two visited, the rest still to do.
  const g1Marks = [
    ...mark(g1[0], 'safe', 140, '在家，已送防暑药品和饮用水'),
    ...mark(g1[1], 'needs_help', 125, '独自在家，头晕乏力，已联系社区医生上门'),
  ]
  // The staff on G02 and G03: several safe, one unreachable two hours ago (escalated since).
  const staffMarks = [
    ...mark(g2[0], 'safe', 130, '电话确认平安，子女已回家陪同'),
    ...mark(g2[1], 'safe', 110),
    ...mark(g3[0], 'unreachable', 120, '敲门无人应答，电话未接通'),
    ...mark(g3[1], 'safe', 95, '已到纳凉点'),
  ]
  const applied = (
    await as(tx, gridWorker, () => applyCheckUpdates(tx, gridWorker, Number(heat.id), { updates: g1Marks }, now))
  ).results.length
  const appliedStaff = (
    await as(tx, staff, () => applyCheckUpdates(tx, staff, Number(heat.id), { updates: staffMarks }, now))
  ).results.length

  // The unreachable person's timer came due an hour later: fire it as the scheduler does.
  const { rows: due } = await sql<{
    id: number
    subject_type: string
    subject_id: number
    kind: string
    stage: string
    stage_seq: number
    due_at: Date
  }>`
    select id, subject_type, subject_id, kind, stage, stage_seq, due_at from workflow_timer
    where subject_type = 'incident_check' and due_at <= ${now} and fired_at is null and cancelled_at is null
      and subject_id in (select id from incident_check where incident_id = ${heat.id})`.execute(tx)
  for (const timer of due) {
    const firedAt = new Date(timer.due_at)
    await checkTimerHandler(tx, timer, firedAt)
    await tx.updateTable('workflow_timer').set({ fired_at: firedAt }).where('id', '=', timer.id).execute()
  }
  return {
    emergencyChecks: checks.length,
    emergencyCheckMarks: applied + appliedStaff,
    emergencyEscalations: due.length,
  }
}

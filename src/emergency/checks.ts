import { sql } from 'kysely'
import { notify, usersWithRoleOver } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { startingWith } from '../core/like.js'
import { pageSchema, paginate } from '../core/paging.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import { displayNames } from '../participation/common.js'
import { checkTags, loadIncident, logIncident, maskName, type IncidentRow } from './common.js'

// The check list of vulnerable residents: every active registry person of the affected grids
// who carries one of the incident's care tags, made at once when the incident is declared (and
// when grids are added), as the caller (row-level security: the incident's command reads the
// registry of its area).
//
// Grid workers and volunteers mark each person safe, needs help or unreachable from their phones.
// A phone queues its marks while offline and sends them in one batch when it is back: each mark
// carries the phone's operation id (a retry counts once) and the time it was observed (marks
// apply in the order they happened, whatever order they arrive in). Needs help tells the
// commander at once; unreachable arms a timer that escalates to the commander and the area's
// leaders if nobody reached the person before it fires.

/** Puts the people of `gridIds` with one of `tags` on the incident's check list; returns how many were added. */
export async function buildCheckList(
  tx: Tx,
  incidentId: number,
  gridIds: readonly number[],
  tags: readonly string[],
  now: Date,
): Promise<number> {
  if (gridIds.length === 0) return 0
  const r = await sql`
    insert into incident_check (incident_id, person_id, area_id, district_id, tags, created_at, updated_at)
    select ${incidentId}, p.id, p.area_id, p.district_id,
           array(select t from unnest(p.tags) t where t = any(${tags as string[]}::text[]) order by t), ${now}, ${now}
    from person p
    where p.area_id = any(${gridIds as number[]}::int[]) and p.status = 'active' and p.tags && ${tags as string[]}::text[]
    on conflict (incident_id, person_id) do nothing`.execute(tx)
  return Number(r.numAffectedRows ?? 0)
}

export const checkStatuses = ['pending', 'safe', 'needs_help', 'unreachable'] as const
export const markStatuses = ['safe', 'needs_help', 'unreachable'] as const
export type CheckStatus = (typeof checkStatuses)[number]

/** Rows per page of the check list at most (and by default). */
export const MAX_CHECK_PAGE = 200
/** An observation may be stamped this far ahead of the server's clock (phones' clocks drift). */
export const FUTURE_SLACK_MS = 5 * 60_000

// ---------------------------------------------------------------------------------------------
// The list

export const checkListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    gridId: id,
    status: { type: 'string', enum: checkStatuses },
    tag: { type: 'string', enum: checkTags },
    /** The start of a name (姓 or 姓名). */
    q: text(20),
    /** The last id of the previous page (its nextAfter). */
    after: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
    pageSize: { type: 'integer', minimum: 1, maximum: MAX_CHECK_PAGE, default: MAX_CHECK_PAGE },
  },
} as const
export type CheckListQuery = Input<typeof checkListQuery>

export const checkRowSchema = shape({
  id: { type: 'integer' },
  personId: { type: 'integer' },
  name: { type: 'string' },
  sex: nullable('string'),
  age: nullable('integer'),
  tags: { type: 'array', items: { type: 'string' } },
  address: nullable('string'),
  phoneMasked: nullable('string'),
  gridId: { type: 'integer' },
  gridCode: { type: 'string' },
  gridNameZh: { type: 'string' },
  gridNameEn: { type: 'string' },
  status: { type: 'string', enum: checkStatuses },
  note: nullable('string'),
  observedAt: { ...timestamp, type: ['string', 'null'] },
  checkedBy: nullable('string'),
  reachedAt: { ...timestamp, type: ['string', 'null'] },
  escalatedAt: { ...timestamp, type: ['string', 'null'] },
  updatedAt: timestamp,
  version: { type: 'integer' },
})
export type CheckRow = Output<typeof checkRowSchema>
export const checkPageSchema = pageSchema(checkRowSchema)

type CheckDbRow = {
  id: number
  person_id: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  tags: string[]
  status: CheckStatus
  note: string | null
  observed_at: Date | null
  checked_by: number | null
  reached_at: Date | null
  escalated_at: Date | null
  updated_at: Date
  version: number
}

type PersonFields = {
  check_id: number
  name: string
  sex: string | null
  birth_date: string | Date | null
  address: string | null
  phone_masked: string | null
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

/** Whole years between a birth date and `now`, by the calendar (a birthday today counts). */
export function ageOn(birth: string | Date | null, now: Date): number | null {
  if (birth === null) return null
  const b = typeof birth === 'string' ? birth.slice(0, 10) : birth.toISOString().slice(0, 10)
  const [y, m, d] = b.split('-').map(Number) as [number, number, number]
  const today = now.toISOString().slice(0, 10)
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number]
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0)
}

const selectChecks = sql`
  select c.id, c.person_id, c.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
         c.tags, c.status, c.note, c.observed_at, c.checked_by, c.reached_at, c.escalated_at, c.updated_at, c.version
  from incident_check c join area a on a.id = c.area_id`

/** The people's fields of these checks (the definer function answers only checks the caller works). */
async function present(tx: Tx, incidentId: number, rows: CheckDbRow[], now: Date): Promise<CheckRow[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const { rows: people } = await sql<PersonFields>`
    select check_id, name, sex, birth_date, address, phone_masked
    from app_incident_check_people(${incidentId}, ${ids}::bigint[], null)`.execute(tx)
  const byCheck = new Map(people.map((p) => [Number(p.check_id), p]))
  const names = await displayNames(
    tx,
    rows.flatMap((r) => (r.checked_by ? [r.checked_by] : [])),
  )
  return rows.map((r) => {
    const p = byCheck.get(Number(r.id))
    return {
      id: Number(r.id),
      personId: Number(r.person_id),
      name: p?.name ?? '',
      sex: p?.sex ?? null,
      age: ageOn(p?.birth_date ?? null, now),
      tags: r.tags,
      address: p?.address ?? null,
      phoneMasked: p?.phone_masked ?? null,
      gridId: r.area_id,
      gridCode: r.area_code,
      gridNameZh: r.area_name_zh,
      gridNameEn: r.area_name_en,
      status: r.status,
      note: r.note,
      observedAt: iso(r.observed_at),
      checkedBy: r.checked_by ? (names.get(r.checked_by) ?? null) : null,
      reachedAt: iso(r.reached_at),
      escalatedAt: iso(r.escalated_at),
      updatedAt: iso(r.updated_at)!,
      version: r.version,
    }
  })
}

/**
 * A page of the incident's check list that the caller works (row-level security keeps the rest
 * out), ordered by grid then id, by keyset (`after` = the last id of the previous page). Reading
 * it is a read of personal data: one audit entry per page.
 */
export async function listChecks(tx: Tx, ctx: RequestContext, incidentId: number, q: CheckListQuery, now: Date) {
  requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const filters = [sql`c.incident_id = ${incidentId}`]
  if (q.gridId !== undefined) filters.push(sql`c.area_id = ${q.gridId}`)
  if (q.status !== undefined) filters.push(sql`c.status = ${q.status}`)
  if (q.tag !== undefined) filters.push(sql`${q.tag} = any(c.tags)`)
  if (q.q?.trim())
    filters.push(
      sql`c.id in (select check_id from app_incident_check_people(${incidentId}, null, ${startingWith(q.q.trim())}))`,
    )
  const where = sql.join(filters, sql` and `)
  const keyset =
    q.after === undefined
      ? sql`true`
      : sql`(c.area_id, c.id) > (select k.area_id, k.id from incident_check k where k.id = ${q.after} and k.incident_id = ${incidentId})`
  const { rows } = await sql<CheckDbRow>`
    ${selectChecks} where ${where} and ${keyset}
    order by c.area_id, c.id limit ${q.pageSize + 1}`.execute(tx)
  const more = rows.length > q.pageSize
  const page = rows.slice(0, q.pageSize)
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from incident_check c where ${where}`.execute(tx)
  await recordAudit(tx, ctx, {
    action: 'emergency.checks.read',
    entityType: 'incident',
    entityId: incident.id,
    areaId: incident.area_id,
    detail: {
      count: page.length,
      ...(q.gridId ? { gridId: q.gridId } : {}),
      ...(q.status ? { status: q.status } : {}),
    },
  })
  return paginate({ page: 1, pageSize: q.pageSize }, await present(tx, incidentId, page, now), counted[0]?.n ?? 0, {
    nextAfter: more ? Number(page[page.length - 1]!.id) : null,
  })
}

// ---------------------------------------------------------------------------------------------
// The summary: per grid, in one grouped query

const countsSchema = {
  total: { type: 'integer' },
  pending: { type: 'integer' },
  safe: { type: 'integer' },
  needsHelp: { type: 'integer' },
  unreachable: { type: 'integer' },
  /** Unreachable and escalated (the timer fired before anyone reached them). */
  escalated: { type: 'integer' },
} as const
export const checkSummarySchema = shape({
  incidentId: { type: 'integer' },
  grids: {
    type: 'array',
    items: shape({
      gridId: { type: 'integer' },
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      ...countsSchema,
    }),
  },
  totals: shape(countsSchema),
})
export type CheckSummary = Output<typeof checkSummarySchema>

/** Counts per grid the caller works (every grid of the incident for its command), and their totals. */
export async function checkSummary(tx: Tx, incidentId: number): Promise<CheckSummary> {
  await loadIncident(tx, incidentId)
  const { rows } = await sql<{
    area_id: number
    code: string
    name_zh: string
    name_en: string
    total: number
    pending: number
    safe: number
    needs_help: number
    unreachable: number
    escalated: number
  }>`
    select s.area_id, a.code, a.name_zh, a.name_en,
           count(c.id)::int as total,
           count(c.id) filter (where c.status = 'pending')::int as pending,
           count(c.id) filter (where c.status = 'safe')::int as safe,
           count(c.id) filter (where c.status = 'needs_help')::int as needs_help,
           count(c.id) filter (where c.status = 'unreachable')::int as unreachable,
           count(c.id) filter (where c.status = 'unreachable' and c.escalated_at is not null)::int as escalated
    from (select distinct g.area_id from app_incident_grid_scope() g where g.incident_id = ${incidentId}) s
    join area a on a.id = s.area_id
    left join incident_check c on c.incident_id = ${incidentId} and c.area_id = s.area_id
    group by s.area_id, a.code, a.name_zh, a.name_en
    order by a.code`.execute(tx)
  const grids = rows.map((r) => ({
    gridId: r.area_id,
    code: r.code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    total: r.total,
    pending: r.pending,
    safe: r.safe,
    needsHelp: r.needs_help,
    unreachable: r.unreachable,
    escalated: r.escalated,
  }))
  const sum = (k: keyof (typeof grids)[number] & keyof typeof countsSchema) => grids.reduce((s, g) => s + g[k], 0)
  return {
    incidentId,
    grids,
    totals: {
      total: sum('total'),
      pending: sum('pending'),
      safe: sum('safe'),
      needsHelp: sum('needsHelp'),
      unreachable: sum('unreachable'),
      escalated: sum('escalated'),
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Updates from the phones

export const checkUpdatesBody = {
  type: 'object',
  additionalProperties: false,
  required: ['updates'],
  properties: {
    updates: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['checkId', 'opId', 'status', 'observedAt'],
        properties: {
          checkId: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
          /** Made by the phone when the mark was made: a retry of the same mark counts once. */
          opId: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: markStatuses },
          note: { type: 'string', maxLength: 1000 },
          /** When the person was seen (or not reached), by the phone's clock. */
          observedAt: timestamp,
        },
      },
    },
  },
} as const
export type CheckUpdates = Input<typeof checkUpdatesBody>

export const checkUpdateResultSchema = shape({
  results: {
    type: 'array',
    items: shape({
      checkId: { type: 'integer' },
      opId: { type: 'string' },
      /** applied: the check now shows it; duplicate: this opId was received before; superseded: a later observation stands. */
      outcome: { type: 'string', enum: ['applied', 'duplicate', 'superseded'] },
      check: checkRowSchema,
    }),
  },
})
export type CheckUpdateResult = Output<typeof checkUpdateResultSchema>

const statusZh: Record<(typeof markStatuses)[number], string> = {
  safe: '安全',
  needs_help: '需要帮助',
  unreachable: '联系不上',
}

const escalatedParams = (incident: IncidentRow) => ({
  reference: incident.reference,
  title: incident.title,
  incidentId: incident.id,
  drill: incident.drill,
  level: incident.level,
  event: 'escalated',
})

/**
 * Applies a phone's queued marks in one transaction. Each mark is recorded once per (check, opId);
 * it changes the check only when it was observed no earlier than what the check shows, so marks
 * made offline apply in the order they happened. The first time anyone reached the person is kept
 * even when a later observation stands.
 */
export async function applyCheckUpdates(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: CheckUpdates,
  now: Date,
): Promise<CheckUpdateResult> {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  input.updates.forEach((u, i) => {
    const at = new Date(u.observedAt)
    if (at.getTime() > now.getTime() + FUTURE_SLACK_MS)
      throw new AppError('CHECK_OBSERVED_IN_FUTURE', 'observedAt is in the future', `updates[${i}].observedAt`)
  })
  if (incident.status !== 'active')
    throw new AppError('INCIDENT_CLOSED', `incident ${incident.reference} is closed`, 'id')
  const { escalate_after_minutes: escalateAfter } = await tx
    .selectFrom('incident')
    .select('escalate_after_minutes')
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow()

  const checkIds = [...new Set(input.updates.map((u) => u.checkId))]
  const { rows: people } = await sql<{ check_id: number; name: string }>`
    select check_id, name from app_incident_check_people(${incidentId}, ${checkIds}::bigint[], null)`.execute(tx)
  const nameOf = new Map(people.map((p) => [Number(p.check_id), p.name]))

  const outcomes: { checkId: number; opId: string; outcome: 'applied' | 'duplicate' | 'superseded' }[] = []
  for (const [i, u] of input.updates.entries()) {
    const check = await tx
      .selectFrom('incident_check')
      .select(['id', 'area_id', 'status', 'observed_at', 'escalated_at', 'version'])
      .where('id', '=', u.checkId)
      .where('incident_id', '=', incidentId)
      .forUpdate()
      .executeTakeFirst()
    if (!check) throw new AppError('CHECK_NOT_FOUND', `no check ${u.checkId} you work`, `updates[${i}].checkId`)
    const observedAt = new Date(u.observedAt)
    const note = u.note?.trim() ? u.note.trim() : null
    const inserted = await tx
      .insertInto('incident_check_update')
      .values({
        check_id: check.id,
        incident_id: incidentId,
        area_id: check.area_id,
        op_id: u.opId,
        status: u.status,
        note,
        observed_at: observedAt,
        received_at: now,
        by_user: actor.userId,
      })
      .onConflict((oc) => oc.columns(['check_id', 'op_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) {
      outcomes.push({ checkId: u.checkId, opId: u.opId, outcome: 'duplicate' })
      continue
    }
    const reached = u.status !== 'unreachable'
    const current = check.observed_at ? new Date(check.observed_at).getTime() : null
    if (current !== null && observedAt.getTime() < current) {
      // A later observation stands; an earlier reach still counts as the first time they were reached.
      if (reached)
        await sql`update incident_check set reached_at = least(coalesce(reached_at, ${observedAt}), ${observedAt}),
                    updated_at = ${now}, version = version + 1
                  where id = ${check.id}`.execute(tx)
      outcomes.push({ checkId: u.checkId, opId: u.opId, outcome: 'superseded' })
      continue
    }
    const version = check.version + 1
    await sql`
      update incident_check set status = ${u.status}, note = ${note}, observed_at = ${observedAt},
             checked_by = ${actor.userId},
             reached_at = ${reached ? sql`least(coalesce(reached_at, ${observedAt}), ${observedAt})` : sql`reached_at`},
             escalated_at = ${reached ? null : sql`escalated_at`},
             updated_at = ${now}, version = ${version}
      where id = ${check.id}`.execute(tx)
    const name = nameOf.get(check.id) ?? `#${check.id}`
    await logIncident(tx, actor, incidentId, {
      kind: u.status === 'needs_help' ? 'check_needs_help' : 'check',
      // The log is read by everyone on the incident, the check list only per grid: the timeline
      // names the person masked and leaves the note on the check.
      message: `核查：${maskName(name)} ${statusZh[u.status]}`,
      data: { checkId: check.id, status: u.status, receivedAt: now.toISOString(), opId: u.opId },
      // The timeline keeps when it happened on the ground (a mark sent later from offline too).
      at: observedAt,
    })
    if (reached) await cancelTimers(tx, 'incident_check', check.id, now)
    if (u.status === 'needs_help')
      await notify(tx, [incident.commander_id], {
        kind: 'incident_update',
        caseId: null,
        params: escalatedParams(incident),
        at: now,
      })
    if (u.status === 'unreachable')
      await scheduleTimers(tx, [
        {
          subject_type: 'incident_check',
          subject_id: check.id,
          kind: 'escalate',
          stage: 'unreachable',
          stage_seq: version,
          due_at: new Date(observedAt.getTime() + escalateAfter * 60_000),
        },
      ])
    outcomes.push({ checkId: u.checkId, opId: u.opId, outcome: 'applied' })
  }
  const { rows } = await sql<CheckDbRow>`
    ${selectChecks} where c.incident_id = ${incidentId} and c.id = any(${checkIds}::bigint[])`.execute(tx)
  const rowsById = new Map((await present(tx, incidentId, rows, now)).map((r) => [r.id, r]))
  return { results: outcomes.map((o) => ({ ...o, check: rowsById.get(o.checkId)! })) }
}

// ---------------------------------------------------------------------------------------------
// Changes since a time (the live stream and its snapshot)

/**
 * The checks the caller works that changed at or after `since` (oldest first, at most `limit`),
 * or strictly after the row (`since`, `afterId`) when continuing a full batch: many rows share one
 * time (a check list made or grown at once), so a time alone would answer the same batch forever.
 * The people's fields leave with the rows, so a read that returns any is audited like a page.
 */
export async function checksChangedSince(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  since: Date,
  now: Date,
  limit = 500,
  afterId: number | null = null,
): Promise<CheckRow[]> {
  const after = afterId === null ? sql`c.updated_at >= ${since}` : sql`(c.updated_at, c.id) > (${since}, ${afterId})`
  const { rows } = await sql<CheckDbRow>`
    ${selectChecks} where c.incident_id = ${incidentId} and ${after}
    order by c.updated_at, c.id limit ${limit}`.execute(tx)
  if (rows.length) {
    const incident = await loadIncident(tx, incidentId)
    await recordAudit(tx, ctx, {
      action: 'emergency.checks.read',
      entityType: 'incident',
      entityId: incident.id,
      areaId: incident.area_id,
      detail: { count: rows.length, changedSince: since.toISOString() },
    })
  }
  return present(tx, incidentId, rows, now)
}

// ---------------------------------------------------------------------------------------------
// Escalation

/**
 * An 'incident_check' timer (armed when someone was marked unreachable): a person still
 * unreachable and not yet escalated when it fires is escalated to the incident's commander and
 * the leaders over its area, and the log says so. Runs as the owner, in the scheduler's transaction.
 */
export const checkTimerHandler: TimerHandler = async (tx, timer, now) => {
  const { rows } = await sql<{ id: number; status: string; escalated_at: Date | null; incident_id: number }>`
    select id, status, escalated_at, incident_id from incident_check where id = ${timer.subject_id} for update`.execute(
    tx,
  )
  const check = rows[0]
  if (check?.status !== 'unreachable' || check.escalated_at !== null) return
  const { rows: incidents } = await sql<IncidentRow & { escalate_after_minutes: number }>`
    select i.id, i.reference, i.area_id, a.path as area_path, i.status, i.drill, i.commander_id, i.level,
           i.kind, i.title, i.version, i.escalate_after_minutes
    from incident i join area a on a.id = i.area_id where i.id = ${check.incident_id}`.execute(tx)
  const incident = incidents[0]
  if (incident?.status !== 'active') return
  await sql`update incident_check set escalated_at = ${now}, updated_at = ${now}, version = version + 1
            where id = ${check.id}`.execute(tx)
  const { rows: named } = await sql<{ name: string }>`
    select p.name from incident_check c join person p on p.id = c.person_id where c.id = ${check.id}`.execute(tx)
  await tx
    .insertInto('incident_log')
    .values({
      incident_id: incident.id,
      at: now,
      actor_id: null,
      actor_name: null,
      kind: 'check_escalated',
      message: `升级：${named[0] ? maskName(named[0].name) : `#${check.id}`} 联系不上已超过 ${incident.escalate_after_minutes} 分钟`,
      data: JSON.stringify({ checkId: check.id, timerId: timer.id }),
    })
    .execute()
  const leaders = await usersWithRoleOver(tx, ['leader'], incident.area_path)
  await notify(tx, [incident.commander_id, ...leaders], {
    kind: 'incident_update',
    caseId: null,
    params: escalatedParams(incident),
    at: now,
  })
}

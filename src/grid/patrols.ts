import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, type Page, paginate, pageQuerySchema } from '../core/paging.js'
import { body, date, id, nullable, shape, timestamp } from '../core/schemas.js'
import { holds, type RequestContext, requireActor } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { districtOf, dutyTypes, gridReaders } from './common.js'

// Patrol logs (巡查日志). A grid worker starts a patrol under one of their grid-worker grants, the
// phone sends its track points in batches (each batch with an Idempotency-Key; every point carries
// the phone's own time, so points buffered offline arrive late and out of order and still fall into
// place), and the worker ends it. After each batch and at the end the patrol's summary is computed
// from its points in SQL: the track (points ordered by their own time), its geodesic length, and the
// grids it crossed with the length of track inside each (patrol_grid). The cases filed during a
// patrol are the worker's own patrol-channel cases submitted between its start and end; nothing on
// the case records the patrol. Reads run as the caller: row-level security gives the worker their
// own patrols and the registry's readers (admin, leader, staff, grid workers) those of their areas.

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const note = { type: 'string', maxLength: 500 } as const

const pointInput = {
  type: 'object',
  additionalProperties: false,
  required: ['at', 'lng', 'lat'],
  properties: {
    at: { ...timestamp, maxLength: 40, description: 'When the phone recorded the point (its own clock)' },
    lng: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    accuracy: { type: 'number', minimum: 0, maximum: 100000, description: 'Metres, as the phone reports it' },
  },
} as const
const pointsInput = { type: 'array', minItems: 1, maxItems: 500, items: pointInput } as const

export const startPatrolBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: {
      ...id,
      description: 'The grid patrolled: an area under one of the caller’s grid-worker grants (default: the first)',
    },
    note,
  },
} as const
export type StartPatrol = Input<typeof startPatrolBody>

export const pointsBody = body(['points'], { points: pointsInput })
export type PointsInput = Input<typeof pointsBody>

export const endPatrolBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    points: { ...pointsInput, description: 'The last points, stored before the patrol ends' },
    note,
  },
} as const
export type EndPatrol = Input<typeof endPatrolBody>

const workerRef = shape({ id: { type: 'integer' }, name: nullable('string') })

export const patrolItemSchema = shape({
  id: { type: 'integer' },
  worker: workerRef,
  area: areaRefSchema,
  startedAt: timestamp,
  endedAt: { type: ['string', 'null'] },
  active: { type: 'boolean' },
  durationSeconds: { type: 'integer', description: 'Start to end (to now while active)' },
  distanceM: { type: 'number', description: 'Geodesic length of the track' },
  pointCount: { type: 'integer' },
  gridCount: { type: 'integer', description: 'Grids the track crossed' },
  casesFiled: { type: 'integer', description: 'The worker’s patrol-channel cases submitted during the patrol' },
})
export type PatrolItem = Output<typeof patrolItemSchema>

export const patrolDetailSchema = shape({
  ...patrolItemSchema.properties,
  note: nullable('string'),
  track: {
    type: 'array',
    description: 'The points in the order of their own time',
    items: shape({ at: timestamp, lng: { type: 'number' }, lat: { type: 'number' }, accuracy: nullable('number') }),
  },
  grids: {
    type: 'array',
    items: shape({ ...areaRefSchema.properties, distanceM: { type: 'number' }, share: { type: 'number' } }),
  },
  cases: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      trackingCode: { type: 'string' },
      state: { type: 'string' },
      submittedAt: timestamp,
      description: { type: 'string' },
    }),
  },
})
export type PatrolDetail = Output<typeof patrolDetailSchema>

export const pointsResultSchema = shape({
  accepted: { type: 'integer', description: 'Points stored by this batch' },
  duplicates: { type: 'integer', description: 'Points of the batch already stored (same patrol and time)' },
  pointCount: { type: 'integer' },
  distanceM: { type: 'number' },
  gridCount: { type: 'integer' },
})
export type PointsResult = Output<typeof pointsResultSchema>

export const patrolListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Patrols started under this area’s subtree' },
    workerId: id,
    active: { type: 'boolean' },
    from: { ...date, description: 'Started on or after this day (the area’s time zone, Asia/Shanghai)' },
    to: { ...date, description: 'Started on or before this day' },
  },
} as const
export type PatrolListQuery = Input<typeof patrolListQuery>

// ── Use cases ─────────────────────────────────────────────────────────────────────────────────

/** Phone clocks drift and buffered points come late: how far outside the patrol a point may lie. */
const EARLY_TOLERANCE_MS = 60 * 60_000
const FUTURE_TOLERANCE_MS = 10 * 60_000
const TZ = 'Asia/Shanghai'

interface PatrolRow {
  id: string | number
  worker_id: number
  worker_name: string | null
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  started_at: Date
  ended_at: Date | null
  distance_m: number
  point_count: number
  grid_count: number
  cases_filed: number
  note: string | null
}

const patrolColumns = (
  now: Date,
) => sql`p.id, p.worker_id, u.display_name as worker_name, p.area_id, a.code as area_code,
  a.name_zh as area_name_zh, a.name_en as area_name_en, p.started_at, p.ended_at, p.distance_m, p.point_count,
  p.note,
  (select count(*)::int from patrol_grid pg where pg.patrol_id = p.id) as grid_count,
  (select count(*)::int from cases c
    where c.reporter_id = p.worker_id and c.channel = 'patrol'
      and c.submitted_at >= p.started_at and c.submitted_at <= coalesce(p.ended_at, ${now}::timestamptz)) as cases_filed`

const patrolFrom = sql`patrol p join area a on a.id = p.area_id left join app_user u on u.id = p.worker_id`

function presentItem(r: PatrolRow, now: Date): PatrolItem {
  const end = r.ended_at ?? now
  return {
    id: Number(r.id),
    worker: { id: r.worker_id, name: r.worker_name },
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at?.toISOString() ?? null,
    active: r.ended_at === null,
    durationSeconds: Math.max(0, Math.round((end.getTime() - r.started_at.getTime()) / 1000)),
    distanceM: Math.round(Number(r.distance_m) * 10) / 10,
    pointCount: r.point_count,
    gridCount: r.grid_count,
    casesFiled: r.cases_filed,
  }
}

async function loadPatrol(tx: Tx, patrolId: number, now: Date): Promise<PatrolRow> {
  const { rows } =
    await sql<PatrolRow>`select ${patrolColumns(now)} from ${patrolFrom} where p.id = ${patrolId}`.execute(tx)
  if (!rows[0]) throw notFound('PATROL_NOT_FOUND', `patrol ${patrolId}`, 'id')
  return rows[0]
}

/**
 * The patrol for the worker's write: visible (else 404), theirs (else 403 naming whose it is not),
 * not ended (else 409), then locked so that concurrent batches summarise one after the other.
 */
async function ownActivePatrol(tx: Tx, ctx: RequestContext, patrolId: number) {
  const actor = requireActor(ctx)
  const row = await tx
    .selectFrom('patrol')
    .select(['id', 'worker_id', 'ended_at', 'started_at', 'area_id'])
    .where('id', '=', patrolId)
    .executeTakeFirst()
  if (!row) throw notFound('PATROL_NOT_FOUND', `patrol ${patrolId}`, 'id')
  if (row.worker_id !== actor.userId)
    throw new AppError('PATROL_NOT_YOURS', 'this patrol is another worker’s: only its own worker sends its track', 'id')
  const locked = await tx
    .selectFrom('patrol')
    .select(['id', 'ended_at', 'started_at', 'area_id'])
    .where('id', '=', patrolId)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (locked.ended_at !== null)
    throw new AppError(
      'PATROL_ENDED',
      `this patrol ended at ${locked.ended_at.toISOString()}: it takes no more points`,
      'id',
      {},
      { endedAt: locked.ended_at.toISOString() },
    )
  return locked
}

export async function startPatrol(tx: Tx, ctx: RequestContext, input: StartPatrol, now: Date): Promise<PatrolDetail> {
  const actor = requireActor(ctx)
  const own = actor.grants.filter((g) => g.role === 'grid_worker')
  if (own.length === 0) throw new AppError('FORBIDDEN', 'only a grid worker patrols')
  let areaId = input.areaId ?? own[0]!.areaId
  const area = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level', 'retired_at'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'areaId')
  if (!holds(actor, ['grid_worker'], area.path))
    throw new AppError('FORBIDDEN', 'you patrol only the grids you are a grid worker of', 'areaId')
  areaId = area.id
  const active = await tx
    .selectFrom('patrol')
    .select(['id', 'started_at'])
    .where('worker_id', '=', actor.userId)
    .where('ended_at', 'is', null)
    .executeTakeFirst()
  if (active) {
    throw new AppError(
      'PATROL_ALREADY_ACTIVE',
      `your patrol ${active.id} started at ${active.started_at.toISOString()} is still active: end it first`,
      null,
      {},
      { patrolId: Number(active.id) },
    )
  }
  const made = await tx
    .insertInto('patrol')
    .values({
      worker_id: actor.userId,
      area_id: areaId,
      district_id: districtOf(area.path, area.id),
      started_at: now,
      note: input.note ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, { action: 'patrol.start', entityType: 'patrol', entityId: Number(made.id), areaId })
  return patrolDetail(tx, Number(made.id), now)
}

/** Stores a batch of points (a point already stored for its time is a duplicate) and re-summarises. */
async function addPoints(
  tx: Tx,
  patrol: { id: string | number; started_at: Date },
  points: PointsInput['points'],
  now: Date,
): Promise<{ accepted: number; duplicates: number }> {
  const ats: string[] = []
  for (const [i, p] of points.entries()) {
    const t = new Date(p.at)
    if (Number.isNaN(t.getTime())) throw new AppError('PATROL_POINT_INVALID', 'not a time', `points[${i}].at`)
    if (t.getTime() < patrol.started_at.getTime() - EARLY_TOLERANCE_MS)
      throw new AppError(
        'PATROL_POINT_INVALID',
        `this point was recorded more than an hour before the patrol started (${patrol.started_at.toISOString()})`,
        `points[${i}].at`,
      )
    if (t.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
      throw new AppError('PATROL_POINT_INVALID', 'this point lies in the future', `points[${i}].at`)
    ats.push(t.toISOString())
  }
  const { rows } = await sql<{ n: number }>`
    with added as (
      insert into patrol_point (patrol_id, recorded_at, location, accuracy_m, received_at)
      select ${patrol.id}, t.at, ST_SetSRID(ST_MakePoint(t.lng, t.lat), 4326), t.acc, ${now}
      from unnest(${ats}::timestamptz[], ${points.map((p) => p.lng)}::float8[], ${points.map((p) => p.lat)}::float8[],
                  ${points.map((p) => p.accuracy ?? null)}::real[]) as t(at, lng, lat, acc)
      on conflict (patrol_id, recorded_at) do nothing
      returning 1)
    select count(*)::int as n from added`.execute(tx)
  const accepted = rows[0]!.n
  await summarisePatrols(tx, [Number(patrol.id)])
  return { accepted, duplicates: points.length - accepted }
}

/**
 * Recomputes the summary of patrols from their points: the ordered track, its geodesic length, the
 * point count and times, and the grids crossed (patrol_grid: length inside each grid, its share of
 * the track, and the patrol's duration times that share). A patrol with one point, or one that
 * never moved, covers the grid(s) its first point lies in, in equal shares. Used by the API (as the
 * worker, one patrol) and by the generator (as owner, thousands at once).
 */
export async function summarisePatrols(tx: Tx | Db, patrolIds: number[]): Promise<void> {
  if (patrolIds.length === 0) return
  await sql`
    update patrol p set
      track = s.track,
      distance_m = coalesce(ST_Length(s.track::geography), 0),
      point_count = s.n,
      first_point_at = s.first_at,
      last_point_at = s.last_at
    from (
      select pt.patrol_id,
             case when count(*) >= 2 then ST_MakeLine(array_agg(pt.location order by pt.recorded_at)) end as track,
             count(*)::int as n, min(pt.recorded_at) as first_at, max(pt.recorded_at) as last_at
      from patrol_point pt where pt.patrol_id = any (${patrolIds}::bigint[])
      group by pt.patrol_id
    ) s
    where p.id = s.patrol_id`.execute(tx)
  await sql`delete from patrol_grid where patrol_id = any (${patrolIds}::bigint[])`.execute(tx)
  await sql`
    insert into patrol_grid (patrol_id, grid_id, district_id, worker_id, started_at, distance_m, share, seconds)
    select x.id, x.grid_id, x.district_id, x.worker_id, x.started_at, x.d, x.share,
           x.share * greatest(0, extract(epoch from coalesce(x.ended_at, x.last_point_at, x.started_at) - x.started_at))
    from (
      select p.id, g.id as grid_id,
             coalesce(nullif(split_part(g.path, '/', 3), '')::integer, g.id) as district_id,
             p.worker_id, p.started_at, p.ended_at, p.last_point_at,
             case when p.distance_m > 0 then coalesce(ST_Length(ST_Intersection(p.track, g.boundary)::geography), 0)
                  else 0 end as d,
             case when p.distance_m > 0
                  then least(1, coalesce(ST_Length(ST_Intersection(p.track, g.boundary)::geography), 0) / p.distance_m)
                  else 1.0 / count(*) over (partition by p.id) end as share
      from patrol p
      cross join lateral (
        select coalesce(p.track,
               (select pt.location from patrol_point pt where pt.patrol_id = p.id order by pt.recorded_at limit 1)) as shape
      ) s
      join area g on g.level = 'grid' and g.retired_at is null and ST_Intersects(g.boundary, s.shape)
      where p.id = any (${patrolIds}::bigint[]) and s.shape is not null
    ) x
    on conflict (patrol_id, grid_id) do nothing`.execute(tx)
}

export async function recordPoints(
  tx: Tx,
  ctx: RequestContext,
  patrolId: number,
  input: PointsInput,
  now: Date,
): Promise<PointsResult> {
  const patrol = await ownActivePatrol(tx, ctx, patrolId)
  const { accepted, duplicates } = await addPoints(tx, patrol, input.points, now)
  const p = await loadPatrol(tx, patrolId, now)
  return {
    accepted,
    duplicates,
    pointCount: p.point_count,
    distanceM: Math.round(Number(p.distance_m) * 10) / 10,
    gridCount: p.grid_count,
  }
}

export async function endPatrol(
  tx: Tx,
  ctx: RequestContext,
  patrolId: number,
  input: EndPatrol,
  now: Date,
): Promise<PatrolDetail> {
  const patrol = await ownActivePatrol(tx, ctx, patrolId)
  if (input.points?.length) await addPoints(tx, patrol, input.points, now)
  await tx
    .updateTable('patrol')
    .set({ ended_at: now, ...(input.note !== undefined ? { note: input.note } : {}) })
    .where('id', '=', patrolId)
    .execute()
  // The time in each grid is apportioned over the final duration.
  await summarisePatrols(tx, [patrolId])
  const detail = await patrolDetail(tx, patrolId, now)
  await recordAudit(tx, ctx, {
    action: 'patrol.end',
    entityType: 'patrol',
    entityId: patrolId,
    areaId: patrol.area_id,
    detail: { distanceM: detail.distanceM, points: detail.pointCount, grids: detail.gridCount },
  })
  return detail
}

export async function patrolDetail(tx: Tx, patrolId: number, now: Date): Promise<PatrolDetail> {
  const r = await loadPatrol(tx, patrolId, now)
  const { rows: track } = await sql<{ at: Date; lng: number; lat: number; accuracy: number | null }>`
    select recorded_at as at, ST_X(location) as lng, ST_Y(location) as lat, accuracy_m as accuracy
    from patrol_point where patrol_id = ${patrolId} order by recorded_at`.execute(tx)
  const { rows: grids } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    distance_m: number
    share: number
  }>`
    select g.id, g.code, g.name_zh, g.name_en, pg.distance_m, pg.share
    from patrol_grid pg join area g on g.id = pg.grid_id
    where pg.patrol_id = ${patrolId} order by pg.share desc, g.code`.execute(tx)
  const { rows: cases } = await sql<{
    id: string | number
    tracking_code: string
    state: string
    submitted_at: Date
    description: string
  }>`
    select c.id, c.tracking_code, c.state, c.submitted_at, left(c.description, 200) as description
    from cases c
    where c.reporter_id = ${r.worker_id} and c.channel = 'patrol'
      and c.submitted_at >= ${r.started_at} and c.submitted_at <= ${r.ended_at ?? now}
    order by c.submitted_at`.execute(tx)
  return {
    ...presentItem(r, now),
    note: r.note,
    track: track.map((p) => ({
      at: p.at.toISOString(),
      lng: Number(p.lng),
      lat: Number(p.lat),
      accuracy: p.accuracy === null ? null : Number(p.accuracy),
    })),
    grids: grids.map((g) => ({
      id: g.id,
      code: g.code,
      nameZh: g.name_zh,
      nameEn: g.name_en,
      distanceM: Math.round(Number(g.distance_m) * 10) / 10,
      share: Math.round(Number(g.share) * 1000) / 1000,
    })),
    cases: cases.map((c) => ({
      id: Number(c.id),
      trackingCode: c.tracking_code,
      state: c.state,
      submittedAt: c.submitted_at.toISOString(),
      description: c.description,
    })),
  }
}

/** The area's path after checking that the caller reads grid work there (403 otherwise). */
async function readableArea(tx: Tx, ctx: RequestContext, areaId: number, field = 'areaId') {
  const actor = requireActor(ctx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level', 'timezone', 'code', 'name_zh', 'name_en'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, field)
  if (!holds(actor, gridReaders, area.path))
    throw new AppError('FORBIDDEN', 'you read grid work only in the areas you work in', field)
  return area
}

export async function listPatrols(
  tx: Tx,
  ctx: RequestContext,
  q: PatrolListQuery,
  now: Date,
): Promise<Page<PatrolItem>> {
  requireActor(ctx)
  checkDay(q.from, 'from')
  checkDay(q.to, 'to')
  const path = q.areaId === undefined ? null : (await readableArea(tx, ctx, q.areaId)).path
  const where = sql.join(
    [
      sql`true`,
      path === null ? sql`true` : sql`a.path like ${`${path}%`}`,
      q.workerId === undefined ? sql`true` : sql`p.worker_id = ${q.workerId}`,
      q.active === undefined ? sql`true` : q.active ? sql`p.ended_at is null` : sql`p.ended_at is not null`,
      q.from === undefined ? sql`true` : sql`p.started_at >= (${q.from}::date::timestamp at time zone ${TZ})`,
      q.to === undefined ? sql`true` : sql`p.started_at < ((${q.to}::date + 1)::timestamp at time zone ${TZ})`,
    ],
    sql` and `,
  )
  const { rows } = await sql<PatrolRow>`
    select ${patrolColumns(now)} from ${patrolFrom} where ${where}
    order by p.started_at desc, p.id desc limit ${q.pageSize} offset ${offsetOf(q)}`.execute(tx)
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from patrol p join area a on a.id = p.area_id where ${where}`.execute(tx)
  return paginate(
    q,
    rows.map((r) => presentItem(r, now)),
    counted[0]!.n,
  )
}

// ── Statistics ──────────────────────────────────────────────────────────────────────────────────

export const statsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['areaId'],
  properties: {
    areaId: id,
    from: { ...date, description: 'First day of the period (default: 29 days before `to`)' },
    to: { ...date, description: 'Last day of the period (default: today, Asia/Shanghai)' },
    idleDays: {
      type: 'integer',
      minimum: 1,
      maximum: 365,
      default: 7,
      description: 'A grid with no patrol in the N days up to the end of the period is idle (uncovered)',
    },
  },
} as const
export type StatsQuery = Input<typeof statsQuery>

const figures = {
  patrols: { type: 'integer' },
  hours: { type: 'number' },
  distanceKm: { type: 'number' },
  reports: { type: 'integer', description: 'Patrol-channel cases submitted in the period' },
  validReports: { type: 'integer', description: '有效上报: those reports not rejected and not merged as duplicates' },
} as const

export const statsSchema = shape({
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
  from: date,
  to: date,
  idleDays: { type: 'integer' },
  totals: shape({
    ...figures,
    grids: { type: 'integer' },
    idleGrids: { type: 'integer', description: 'Grids with no patrol in the idle window' },
  }),
  workers: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      name: nullable('string'),
      dutyType: { type: ['string', 'null'], enum: [...dutyTypes, null] },
      ...figures,
    }),
  },
  grids: {
    type: 'array',
    description:
      'Every grid under the area (at most 1000; idle ones first). Hours are apportioned by the share of track inside the grid',
    items: shape({
      ...areaRefSchema.properties,
      ...figures,
      lastPatrolAt: { type: ['string', 'null'] },
      idle: { type: 'boolean' },
    }),
  },
  gridsTotal: { type: 'integer' },
})
export type PatrolStats = Output<typeof statsSchema>

const GRID_ROWS = 1000

function period(q: { from?: string; to?: string }, now: Date) {
  checkDay(q.from, 'from')
  checkDay(q.to, 'to')
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(now)
  const to = q.to ?? today
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10)
  if (from > to) throw new AppError('VALIDATION_FAILED', 'the period starts after it ends', 'from')
  return { from, to }
}

/** A day the database can hold as a date of this era: the schema's pattern lets 0000-01-01 through. */
function checkDay(value: string | undefined, field: string): void {
  if (value === undefined) return
  const year = Number(value.slice(0, 4))
  if (year < 1900 || year > 2999) throw new AppError('VALIDATION_FAILED', 'a day between 1900 and 2999', field)
}

const round1 = (n: number) => Math.round(n * 10) / 10
const round2 = (n: number) => Math.round(n * 100) / 100

/**
 * Patrol figures for an area over a period (days in Asia/Shanghai): per worker, the patrols they
 * started, their hours (start to end) and distance, and their patrol-channel reports under the
 * area; per grid, the patrols that crossed it with the hours and distance the track spent in it,
 * the patrol reports located in it, the last patrol and whether it is idle (no patrol in the
 * `idleDays` up to the end of the period). Read as the caller (row-level security).
 */
export async function patrolStats(tx: Tx, ctx: RequestContext, q: StatsQuery, now: Date): Promise<PatrolStats> {
  const area = await readableArea(tx, ctx, q.areaId)
  const { from, to } = period(q, now)
  const idleDays = q.idleDays ?? 7
  const under = `${area.path}%`
  const start = sql`(${from}::date::timestamp at time zone ${TZ})`
  const end = sql`((${to}::date + 1)::timestamp at time zone ${TZ})`
  const endAt = sql`least(${end}, ${now}::timestamptz)`
  const valid = sql`c.state not in ('rejected', 'merged')`

  const { rows: workers } = await sql<{
    id: number
    name: string | null
    duty_type: string | null
    patrols: number
    seconds: number
    meters: number
    reports: number
    valid: number
  }>`
    with pw as (
      select p.worker_id, count(*)::int as patrols,
             coalesce(sum(extract(epoch from least(coalesce(p.ended_at, ${now}::timestamptz), ${endAt}) - p.started_at)), 0) as seconds,
             coalesce(sum(p.distance_m), 0) as meters
      from patrol p join area a on a.id = p.area_id
      where a.path like ${under} and p.started_at >= ${start} and p.started_at < ${end}
      group by p.worker_id),
    rw as (
      select c.reporter_id as worker_id, count(*)::int as reports, (count(*) filter (where ${valid}))::int as valid
      from cases c join area a on a.id = c.area_id
      where c.channel = 'patrol' and c.reporter_id is not null and a.path like ${under}
        and c.submitted_at >= ${start} and c.submitted_at < ${end}
        and exists (select 1 from role_grant r where r.user_id = c.reporter_id and r.role = 'grid_worker')
      group by c.reporter_id)
    select w.worker_id as id, u.display_name as name,
           (select r.duty_type from role_grant r join area ga on ga.id = r.area_id
             where r.user_id = w.worker_id and r.role = 'grid_worker' order by (ga.path like ${under}) desc, r.id limit 1) as duty_type,
           coalesce(pw.patrols, 0) as patrols, coalesce(pw.seconds, 0) as seconds, coalesce(pw.meters, 0) as meters,
           coalesce(rw.reports, 0) as reports, coalesce(rw.valid, 0) as valid
    from (select worker_id from pw union select worker_id from rw) w
    left join pw on pw.worker_id = w.worker_id
    left join rw on rw.worker_id = w.worker_id
    left join app_user u on u.id = w.worker_id
    order by coalesce(pw.seconds, 0) desc, w.worker_id`.execute(tx)

  const { rows: grids } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    patrols: number
    seconds: number
    meters: number
    reports: number
    valid: number
    last_at: Date | null
    idle: boolean
  }>`
    select g.id, g.code, g.name_zh, g.name_en,
           coalesce(pg.patrols, 0) as patrols, coalesce(pg.seconds, 0) as seconds, coalesce(pg.meters, 0) as meters,
           coalesce(rc.reports, 0) as reports, coalesce(rc.valid, 0) as valid, lp.last_at,
           (lp.last_at is null or lp.last_at < ${endAt} - make_interval(days => ${idleDays})) as idle
    from area g
    left join lateral (
      select count(*)::int as patrols, sum(x.seconds) as seconds, sum(x.distance_m) as meters
      from patrol_grid x where x.grid_id = g.id and x.started_at >= ${start} and x.started_at < ${end}) pg on true
    left join lateral (
      select count(*)::int as reports, (count(*) filter (where ${valid}))::int as valid
      from cases c where c.area_id = g.id and c.channel = 'patrol'
        and c.submitted_at >= ${start} and c.submitted_at < ${end}) rc on true
    left join lateral (
      select max(x.started_at) as last_at from patrol_grid x where x.grid_id = g.id and x.started_at < ${end}) lp on true
    where g.level = 'grid' and g.retired_at is null and g.path like ${under}
    order by idle desc, g.code`.execute(tx)

  const { rows: totals } = await sql<{ patrols: number; seconds: number; meters: number }>`
    select count(*)::int as patrols,
           coalesce(sum(extract(epoch from least(coalesce(p.ended_at, ${now}::timestamptz), ${endAt}) - p.started_at)), 0) as seconds,
           coalesce(sum(p.distance_m), 0) as meters
    from patrol p join area a on a.id = p.area_id
    where a.path like ${under} and p.started_at >= ${start} and p.started_at < ${end}`.execute(tx)
  const { rows: reports } = await sql<{ reports: number; valid: number }>`
    select count(*)::int as reports, (count(*) filter (where ${valid}))::int as valid
    from cases c join area a on a.id = c.area_id
    where c.channel = 'patrol' and a.path like ${under} and c.submitted_at >= ${start} and c.submitted_at < ${end}`.execute(
    tx,
  )

  const t = totals[0]!
  return {
    area: { id: area.id, code: area.code, nameZh: area.name_zh, nameEn: area.name_en, level: area.level },
    from,
    to,
    idleDays,
    totals: {
      patrols: t.patrols,
      hours: round2(Number(t.seconds) / 3600),
      distanceKm: round2(Number(t.meters) / 1000),
      reports: reports[0]!.reports,
      validReports: reports[0]!.valid,
      grids: grids.length,
      idleGrids: grids.filter((g) => g.idle).length,
    },
    workers: workers.map((w) => ({
      id: w.id,
      name: w.name,
      dutyType: (w.duty_type as (typeof dutyTypes)[number] | null) ?? null,
      patrols: w.patrols,
      hours: round2(Number(w.seconds) / 3600),
      distanceKm: round2(Number(w.meters) / 1000),
      reports: w.reports,
      validReports: w.valid,
    })),
    grids: grids.slice(0, GRID_ROWS).map((g) => ({
      id: g.id,
      code: g.code,
      nameZh: g.name_zh,
      nameEn: g.name_en,
      patrols: g.patrols,
      hours: round2(Number(g.seconds) / 3600),
      distanceKm: round2(Number(g.meters) / 1000),
      reports: g.reports,
      validReports: g.valid,
      lastPatrolAt: g.last_at?.toISOString() ?? null,
      idle: g.idle,
    })),
    gridsTotal: grids.length,
  }
}

// ── The day's tracks ────────────────────────────────────────────────────────────────────────────

export const tracksQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['areaId'],
  properties: {
    areaId: id,
    date: { ...date, description: 'The day (Asia/Shanghai; default today)' },
  },
} as const
export type TracksQuery = Input<typeof tracksQuery>

export const tracksSchema = shape({
  area: areaRefSchema,
  date,
  patrols: {
    type: 'array',
    description: 'Patrols started that day under the area or crossing one of its grids (at most 500)',
    items: shape({
      id: { type: 'integer' },
      worker: workerRef,
      startedAt: timestamp,
      endedAt: { type: ['string', 'null'] },
      distanceM: { type: 'number' },
      gridIds: { type: 'array', items: { type: 'integer' } },
      coordinates: {
        type: 'array',
        description: '[lng, lat] pairs of the track in time order (one pair for a patrol with one point)',
        items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
      },
    }),
  },
})
export type Tracks = Output<typeof tracksSchema>

export async function dayTracks(tx: Tx, ctx: RequestContext, q: TracksQuery, now: Date): Promise<Tracks> {
  const area = await readableArea(tx, ctx, q.areaId)
  checkDay(q.date, 'date')
  const day = q.date ?? new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(now)
  const under = `${area.path}%`
  const { rows } = await sql<{
    id: string | number
    worker_id: number
    worker_name: string | null
    started_at: Date
    ended_at: Date | null
    distance_m: number
    grid_ids: number[] | null
    geometry: { type: string; coordinates: number[] | number[][] } | null
  }>`
    select p.id, p.worker_id, u.display_name as worker_name, p.started_at, p.ended_at, p.distance_m,
           (select array_agg(pg.grid_id order by pg.grid_id) from patrol_grid pg where pg.patrol_id = p.id) as grid_ids,
           ST_AsGeoJSON(coalesce(p.track,
             (select pt.location from patrol_point pt where pt.patrol_id = p.id order by pt.recorded_at limit 1)), 7)::json
             as geometry
    from patrol p join area a on a.id = p.area_id left join app_user u on u.id = p.worker_id
    where p.started_at >= (${day}::date::timestamp at time zone ${TZ})
      and p.started_at < ((${day}::date + 1)::timestamp at time zone ${TZ})
      and (a.path like ${under}
           or exists (select 1 from patrol_grid pg join area g on g.id = pg.grid_id
                      where pg.patrol_id = p.id and g.path like ${under}))
    order by p.started_at, p.id
    limit 500`.execute(tx)
  return {
    area: { id: area.id, code: area.code, nameZh: area.name_zh, nameEn: area.name_en },
    date: day,
    patrols: rows.map((r) => {
      const g = typeof r.geometry === 'string' ? JSON.parse(r.geometry) : r.geometry
      const coordinates: number[][] = !g
        ? []
        : g.type === 'Point'
          ? [g.coordinates as number[]]
          : (g.coordinates as number[][])
      return {
        id: Number(r.id),
        worker: { id: r.worker_id, name: r.worker_name },
        startedAt: r.started_at.toISOString(),
        endedAt: r.ended_at?.toISOString() ?? null,
        distanceM: round1(Number(r.distance_m)),
        gridIds: (r.grid_ids ?? []).map(Number),
        coordinates: coordinates.map((c) => [Number(c[0]), Number(c[1])]),
      }
    }),
  }
}

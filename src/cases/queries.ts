import { sql, type SelectQueryBuilder } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import { countLimitOf, offsetOf, type Page, type PageRequest } from '../core/paging.js'
import type { DB } from '../core/schema.js'
import { holds, staffRoles, type RequestContext } from '../core/scope.js'
import { colourOf } from './deadlines.js'
import { caseWorkflow, openStates, type CaseRole, type CaseState } from './workflow.js'

function baseQuery(db: Db | Tx) {
  return db
    .selectFrom('cases as c')
    .innerJoin('case_category as k', 'k.id', 'c.category_id')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .leftJoin(
      sql<{ code: string; name_zh: string; name_en: string }>`lateral app_department_label(c.department_id)`.as('d'),
      (j) => j.onTrue(),
    )
    .select([
      'c.id',
      'c.tracking_code',
      'c.category_id',
      'c.area_id',
      'c.channel',
      'c.state',
      'c.version',
      'c.address',
      'c.description',
      'c.attributes',
      'c.reporter_id',
      'c.reporter_name',
      'c.reporter_phone_masked',
      'c.reporter_phone_enc',
      'c.department_id',
      'c.assisting_department_ids',
      'c.stage',
      'c.stage_warn_at',
      'c.stage_due_at',
      'c.escalation_level',
      'c.extension_request',
      'c.result',
      'c.rating',
      'c.rating_comment',
      'c.merged_into_id',
      'c.rework_count',
      'c.reopen_count',
      'c.submitted_at',
      'c.response_due_at',
      'c.responded_at',
      'c.handle_due_at',
      'c.replied_at',
      'c.verified_at',
      'c.closed_at',
      'c.rated_at',
      'c.updated_at',
      'k.code as category_code',
      'k.name_zh as category_name_zh',
      'k.name_en as category_name_en',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'a.path as area_path',
      'a.timezone as area_timezone',
      'd.code as department_code',
      'd.name_zh as department_name_zh',
      'd.name_en as department_name_en',
      sql<number | null>`ST_X(c.location)`.as('lng'),
      sql<number | null>`ST_Y(c.location)`.as('lat'),
    ])
}

export type CaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** A case as staff and its reporter see it; the reporter's phone is masked for everyone else. */
export function presentCase(r: CaseRow, now: Date, ctx: RequestContext) {
  const seesReporter =
    holds(ctx.actor, staffRoles, r.area_path) || (ctx.actor !== null && ctx.actor.userId === r.reporter_id)
  return {
    id: r.id,
    trackingCode: r.tracking_code,
    category: { id: r.category_id, code: r.category_code, nameZh: r.category_name_zh, nameEn: r.category_name_en },
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    channel: r.channel,
    state: r.state as CaseState,
    version: r.version,
    location: r.lng === null || r.lat === null ? null : { lng: r.lng, lat: r.lat },
    address: r.address,
    description: r.description,
    attributes: r.attributes as Record<string, unknown>,
    department: r.department_id
      ? { id: r.department_id, code: r.department_code!, nameZh: r.department_name_zh!, nameEn: r.department_name_en! }
      : null,
    assistingDepartmentIds: r.assisting_department_ids,
    stage: r.stage,
    stageDueAt: iso(r.stage_due_at),
    colour: colourOf(now, r.stage_warn_at, r.stage_due_at),
    escalationLevel: r.escalation_level,
    extensionRequest: r.extension_request as { workdays: number; comment: string } | null,
    result: r.result,
    rating: r.rating,
    ratingComment: r.rating_comment,
    mergedIntoId: r.merged_into_id,
    reworkCount: r.rework_count,
    reopenCount: r.reopen_count,
    submittedAt: r.submitted_at.toISOString(),
    responseDueAt: r.response_due_at.toISOString(),
    respondedAt: iso(r.responded_at),
    handleDueAt: iso(r.handle_due_at),
    repliedAt: iso(r.replied_at),
    verifiedAt: iso(r.verified_at),
    closedAt: iso(r.closed_at),
    ratedAt: iso(r.rated_at),
    reporter: seesReporter ? { id: r.reporter_id, name: r.reporter_name, phone: r.reporter_phone_masked } : null,
  }
}

export type CaseView = ReturnType<typeof presentCase>

export async function loadCaseRow(tx: Db | Tx, id: number): Promise<CaseRow> {
  const row = await baseQuery(tx).where('c.id', '=', id).executeTakeFirst()
  if (!row) throw notFound('CASE_NOT_FOUND', `case ${id}`)
  return row
}

/** What the caller is to this case; decides which workflow actions they may take. */
export function caseRolesOf(
  ctx: RequestContext,
  r: {
    area_path: string
    department_id: number | null
    assisting_department_ids: number[]
    reporter_id: number | null
  },
  reporterTokenOk = false,
): Set<CaseRole> {
  const roles = new Set<CaseRole>()
  const a = ctx.actor
  if (reporterTokenOk || (a && r.reporter_id === a.userId)) roles.add('reporter')
  if (!a) return roles
  if (holds(a, ['staff', 'admin'], r.area_path)) roles.add('triage').add('verifier')
  if (holds(a, ['grid_worker'], r.area_path)) roles.add('verifier')
  if (holds(a, ['leader', 'admin'], r.area_path)) roles.add('supervisor')
  const dept = a.departmentId ?? null
  const isHandler = a.grants.some((g) => g.role === 'department_handler')
  if (dept !== null && isHandler && (dept === r.department_id || r.assisting_department_ids.includes(dept))) {
    roles.add('handler')
  }
  return roles
}

export async function caseTimeline(tx: Db | Tx, caseId: number, publicOnly: boolean) {
  let q = tx
    .selectFrom('case_event as e')
    .leftJoin(
      sql<{ code: string; name_zh: string; name_en: string }>`lateral app_department_label(e.department_id)`.as('d'),
      (j) => j.onTrue(),
    )
    .select([
      'e.id',
      'e.at',
      'e.action',
      'e.from_state',
      'e.to_state',
      'e.actor_name',
      'e.actor_role',
      'e.comment',
      'e.photo_ids',
      'e.detail',
      'e.is_public',
      'd.name_zh as department_name_zh',
      'd.name_en as department_name_en',
    ])
    .where('e.case_id', '=', caseId)
    .orderBy('e.id')
  if (publicOnly) q = q.where('e.is_public', '=', true)
  const rows = await q.execute()
  return rows.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    fromState: e.from_state,
    toState: e.to_state,
    // The public timeline names roles and departments, never people.
    actorName: publicOnly ? null : e.actor_name,
    actorRole: e.actor_role,
    department: e.department_name_zh ? { nameZh: e.department_name_zh, nameEn: e.department_name_en } : null,
    comment: e.comment,
    photoIds: publicOnly ? [] : e.photo_ids,
    detail: publicOnly ? {} : (e.detail as Record<string, unknown>),
    isPublic: e.is_public,
  }))
}

/** A case as the caller may see it; `fresh`: a case just filed, with no photos and one event, known to the caller. */
export async function caseDetail(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  now: Date,
  fresh?: { timeline: Awaited<ReturnType<typeof caseTimeline>> },
) {
  const row = await loadCaseRow(tx, id)
  const photos = fresh
    ? []
    : await tx
        .selectFrom('case_photo')
        .select(['id', 'content_type', 'byte_size'])
        .where('case_id', '=', id)
        .orderBy('id')
        .execute()
  const roles = caseRolesOf(ctx, row)
  // A reporter who works on the case in no other way follows it as the public does: the public
  // steps, naming roles and departments but not the staff who took them.
  const reporterOnly = !holds(ctx.actor, staffRoles, row.area_path) && [...roles].every((r) => r === 'reporter')
  return {
    ...presentCase(row, now, ctx),
    photos: photos.map((p) => ({ id: p.id, contentType: p.content_type, byteSize: p.byte_size })),
    timeline: fresh
      ? fresh.timeline
          .filter((e) => !reporterOnly || e.isPublic)
          .map((e) => (reporterOnly ? { ...e, actorName: null, photoIds: [], detail: {} } : e))
      : await caseTimeline(tx, id, reporterOnly),
    allowedActions: caseWorkflow.allowed(row.state as CaseState, roles),
  }
}

export interface CaseFilter extends PageRequest {
  areaId?: number
  state?: CaseState[]
  categoryId?: number
  departmentId?: number
  overdue?: boolean
  escalated?: boolean
  colour?: 'green' | 'yellow' | 'red'
  from?: string
  to?: string
  q?: string
  mine?: boolean
  sort?: 'newest' | 'oldest' | 'due'
  /** Keyset paging: the id of the last case of the previous page (newest or oldest first). */
  after?: number
}

function applyFilter(
  q: SelectQueryBuilder<DB & { c: DB['cases'] }, 'c', object>,
  f: CaseFilter,
  now: Date,
  areaPath: string | null,
  ctx: RequestContext,
) {
  let w = q
  if (areaPath)
    w = w.where('c.area_id', 'in', (eb) => eb.selectFrom('area').select('id').where('path', 'like', `${areaPath}%`))
  if (f.state?.length) w = w.where('c.state', 'in', f.state)
  if (f.categoryId !== undefined)
    w = w.where('c.category_id', 'in', (eb) =>
      eb
        .selectFrom('case_category')
        .select('id')
        .where((e) => e.or([e('id', '=', f.categoryId!), e('parent_id', '=', f.categoryId!)])),
    )
  if (f.departmentId !== undefined) w = w.where('c.department_id', '=', f.departmentId)
  if (f.overdue === true) w = w.where('c.stage_due_at', '<', now)
  if (f.overdue === false)
    w = w.where((eb) => eb.or([eb('c.stage_due_at', 'is', null), eb('c.stage_due_at', '>=', now)]))
  if (f.escalated) w = w.where('c.escalation_level', '>', 0).where('c.state', 'in', openStates as CaseState[])
  if (f.colour === 'red') w = w.where('c.stage_due_at', '<=', now)
  if (f.colour === 'yellow') w = w.where('c.stage_warn_at', '<=', now).where('c.stage_due_at', '>', now)
  if (f.colour === 'green') w = w.where('c.stage_warn_at', '>', now)
  if (f.from) w = w.where('c.submitted_at', '>=', new Date(f.from))
  if (f.to) w = w.where('c.submitted_at', '<', new Date(f.to))
  if (f.mine && ctx.actor) w = w.where('c.reporter_id', '=', ctx.actor.userId)
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
    w = w.where((eb) =>
      eb.or([eb('c.description', 'ilike', like), eb('c.address', 'ilike', like), eb('c.tracking_code', '=', f.q!)]),
    )
  }
  return w
}

export async function listCases(tx: Tx, ctx: RequestContext, f: CaseFilter, now: Date): Promise<Page<CaseView>> {
  let areaPath: string | null = null
  if (f.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', f.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${f.areaId}`, 'areaId')
    areaPath = a.path
  }
  const byId = f.sort !== 'due'
  if (f.after !== undefined) {
    if (!byId)
      throw new AppError('VALIDATION_FAILED', 'after pages by case id: use it with sort=newest or sort=oldest', 'after')
    if (f.page > 1) throw new AppError('VALIDATION_FAILED', 'give page or after, not both', 'after')
  }
  // Counted up to a limit past the page (COUNT_AHEAD), not over every matching case.
  const limit = countLimitOf(f)
  const matching = applyFilter(tx.selectFrom('cases as c'), f, now, areaPath, ctx)
    .select(sql<number>`1`.as('one'))
    .limit(limit + 1)
  const total = await tx.selectFrom(matching.as('m')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const capped = Number(total.n) > limit
  let q = applyFilter(baseQuery(tx) as never, f, now, areaPath, ctx) as unknown as ReturnType<typeof baseQuery>
  q =
    f.sort === 'due'
      ? q.orderBy(sql`c.stage_due_at asc nulls last`).orderBy('c.id')
      : f.sort === 'oldest'
        ? q.orderBy('c.id', 'asc')
        : q.orderBy('c.id', 'desc')
  // A cursor starts where the last page ended; the index on id finds it without reading what came before.
  if (f.after !== undefined) q = q.where('c.id', f.sort === 'oldest' ? '>' : '<', f.after)
  const rows = await q
    .limit(f.pageSize)
    .offset(f.after !== undefined ? 0 : offsetOf(f))
    .execute()
  const nextAfter = byId ? (rows.length === f.pageSize ? rows.at(-1)!.id : null) : undefined
  return {
    items: rows.map((r) => presentCase(r, now, ctx)),
    page: f.page,
    pageSize: f.pageSize,
    total: capped ? limit : Number(total.n),
    ...(capped ? { totalCapped: true } : {}),
    ...(nextAfter !== undefined ? { nextAfter } : {}),
  }
}

/** The public view of a tracking code: progress and result, no personal data. */
export async function publicCase(db: Db, trackingCode: string, now: Date) {
  const row = await baseQuery(db).where('c.tracking_code', '=', trackingCode).executeTakeFirst()
  if (!row) throw notFound('CASE_NOT_FOUND', `case ${trackingCode}`, 'trackingCode')
  return {
    trackingCode: row.tracking_code,
    category: { code: row.category_code, nameZh: row.category_name_zh, nameEn: row.category_name_en },
    area: { code: row.area_code, nameZh: row.area_name_zh, nameEn: row.area_name_en },
    state: row.state,
    colour: colourOf(now, row.stage_warn_at, row.stage_due_at),
    department: row.department_id ? { nameZh: row.department_name_zh!, nameEn: row.department_name_en! } : null,
    submittedAt: row.submitted_at.toISOString(),
    closedAt: iso(row.closed_at),
    result: row.result,
    rating: row.rating,
    mergedInto: row.merged_into_id
      ? ((await db.selectFrom('cases').select('tracking_code').where('id', '=', row.merged_into_id).executeTakeFirst())
          ?.tracking_code ?? null)
      : null,
    timeline: await caseTimeline(db, row.id, true),
  }
}

/** Recent cases per grid for the public map: counts only. */
export async function publicMap(db: Db, days: number, now: Date) {
  const since = new Date(now.getTime() - days * 86400_000)
  const { rows } = await sql<{
    area_id: number
    code: string
    name_zh: string
    name_en: string
    total: number
    open: number
    closed: number
  }>`
    select a.id as area_id, a.code, a.name_zh, a.name_en, count(*)::int as total,
           count(*) filter (where c.state = any(${openStates as CaseState[]}::text[]))::int as open,
           count(*) filter (where c.state in ('closed', 'rated'))::int as closed
    from cases c join area a on a.id = c.area_id
    where c.submitted_at >= ${since} and c.state <> 'merged'
    group by a.id, a.code, a.name_zh, a.name_en
    order by a.code`.execute(db)
  return {
    since: since.toISOString(),
    grids: rows.map((r) => ({
      areaId: r.area_id,
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      total: r.total,
      open: r.open,
      closed: r.closed,
    })),
  }
}

export const DUPLICATE_DISTANCE_M = Number(process.env.CASE_DUPLICATE_DISTANCE_M || 200)
export const DUPLICATE_WINDOW_HOURS = Number(process.env.CASE_DUPLICATE_WINDOW_HOURS || 72)

/** Open cases of the same category near a case and recent enough to be the same problem. */
export async function possibleDuplicates(tx: Tx, caseId: number, now: Date) {
  // A function, so the location index serves it under row-level security (see migration 0036).
  const { rows } = await sql<{
    id: number
    tracking_code: string
    state: string
    distance_m: number
    submitted_at: Date
  }>`
    select id, tracking_code, state, distance_m, submitted_at
    from app_case_duplicates(${caseId}, ${new Date(now.getTime() - DUPLICATE_WINDOW_HOURS * 3600_000)}, ${DUPLICATE_DISTANCE_M}, 10)`.execute(
    tx,
  )
  return rows.map((r) => ({
    id: r.id,
    trackingCode: r.tracking_code,
    state: r.state,
    distanceM: Math.round(r.distance_m),
    submittedAt: r.submitted_at.toISOString(),
  }))
}

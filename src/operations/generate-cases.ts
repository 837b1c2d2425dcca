import { maskPhone } from '../core/privacy.js'
import { between, pick } from '../core/random.js'
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { publicActions } from '../cases/workflow.js'
import type { GenerateStep, StepContext } from './generate-step.js'
import type { RowValues } from './generate-sink.js'

/*
 * The cases step: N cases spread over the demo city's grids and the `years` before `until`, each
 * walked through the closed loop the way the workflow would have done it, with its case_event
 * timeline and the timers of its current stage.
 *
 * - Volume by day: seasonal (a summer peak), weekdays over weekends and holidays, a caseload that
 *   grows by ~15% a year; within a day, office hours over nights.
 * - Grids: hot spots (log-normal weights); categories: a Zipf-like mix, each with its own seasonal
 *   swing; channels: patrol, portal, hotline, open311, api.
 * - Lifecycle: every case gets a life story (reject ~4%, merge ~1.5%, accept → dispatch to the
 *   department routed for its category and area → department accept (~12% late) → reply (~10%
 *   late; ~1.5% never: stalled and overdue) → verify (~6% fail, rework) → close → rating (~80%;
 *   some unsatisfied ratings reopen the case, which then runs again to a new rating). The story is
 *   cut at `until`: the state is the one after the last step before it, so recent cases are open
 *   in realistic proportions and old ones closed. Stage clocks, warnings and escalations (with
 *   their internal events), version and all *_at columns follow the same story, so the statistics
 *   read exactly what the workflow would have written.
 * - Deterministic: the same seed, counts, `until` and database (same demo seed) give the same rows.
 *   Tracking codes are the submission date and a bijective scramble of the case id: unique.
 */

const DAY = 86_400_000
const HOUR = 3_600_000
const MIN = 60_000

interface Grid {
  id: number
  districtId: number
  path: string
  name: string
  ring: [number, number][]
  bbox: [number, number, number, number]
}
interface Leaf {
  id: number
  code: string
  name: string
  respondHours: number
  handleWorkdays: number
}
interface User {
  id: number
  name: string
  role: string
  path: string
  departmentId: number | null
}

const CHANNELS: [string, number][] = [
  ['patrol', 0.4],
  ['portal', 0.25],
  ['hotline', 0.22],
  ['open311', 0.06],
  ['api', 0.07],
]
const HOURS = [
  0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3, 3, 2.8, 2, 2.2, 2.6, 2.6, 2.4, 2, 1.6, 1.4, 1.2, 1, 0.7, 0.4,
]
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭']
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超']
const PHRASES = [
  '，请尽快处理',
  '，已持续多日',
  '，影响居民出行',
  '，夜间尤其严重',
  '，多次反映未解决',
  '，存在安全隐患',
  '',
]
const PLACES = ['号楼附近', '号楼东侧', '号门口', '号路口', '号楼下', '号旁边的空地']
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
// The generated history marks public steps as intake and the workflow do.
const PUBLIC = new Set([...publicActions, 'merged_from'])

const CASE_COLUMNS = [
  'id',
  'tracking_code',
  'category_id',
  'area_id',
  'district_id',
  'channel',
  'state',
  'version',
  'location',
  'address',
  'description',
  'attributes',
  'reporter_id',
  'reporter_name',
  'reporter_phone_enc',
  'reporter_phone_masked',
  'department_id',
  'stage',
  'stage_seq',
  'stage_started_at',
  'stage_warn_at',
  'stage_due_at',
  'escalation_level',
  'result',
  'rating',
  'rating_comment',
  'merged_into_id',
  'rework_count',
  'reopen_count',
  'submitted_at',
  'response_due_at',
  'responded_at',
  'handle_due_at',
  'replied_at',
  'verified_at',
  'closed_at',
  'rated_at',
  'updated_at',
]
const EVENT_COLUMNS = [
  'case_id',
  'at',
  'action',
  'from_state',
  'to_state',
  'actor_id',
  'actor_name',
  'actor_role',
  'department_id',
  'comment',
  'detail',
  'is_public',
]
const TIMER_COLUMNS = ['subject_type', 'subject_id', 'kind', 'stage', 'stage_seq', 'due_at', 'fired_at']

/** Cumulative weights for sampling by binary search. */
function cumulative(weights: number[]): Float64Array {
  const c = new Float64Array(weights.length)
  let s = 0
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]!
    c[i] = s
  }
  return c
}
/** The index a uniform `r` in [0, 1) falls on in cumulative weights `c`. */
function weightedIndex(c: Float64Array, r: number): number {
  const x = r * c[c.length - 1]!
  let lo = 0
  let hi = c.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (c[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function inside(ring: [number, number][], x: number, y: number): boolean {
  let c = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c
  }
  return c
}

function trackingCode(id: number, submitted: number, salt: number): string {
  let v = ((Math.imul(id, 0x2545f491) ^ salt) >>> 0) & 0x3fffffff
  let tail = ''
  for (let i = 0; i < 6; i++) {
    tail = ALPHABET[v & 31] + tail
    v >>>= 5
  }
  const d = new Date(submitted).toISOString()
  return `${d.slice(2, 4)}${d.slice(5, 7)}${d.slice(8, 10)}-${tail}`
}

async function loadWorld(ctx: StepContext) {
  const db = ctx.database.db
  const { rows: gridRows } = await sql<{
    id: number
    path: string
    name_zh: string
    timezone: string
    geojson: string
  }>`
    select id, path, name_zh, timezone, ST_AsGeoJSON(boundary) as geojson from area
    where level = 'grid' and retired_at is null order by id`.execute(db)
  const grids: Grid[] = gridRows.map((g) => {
    const geo = JSON.parse(g.geojson) as { type: string; coordinates: unknown }
    const ring =
      geo.type === 'MultiPolygon'
        ? (geo.coordinates as [number, number][][][])[0]![0]!
        : (geo.coordinates as [number, number][][])[0]!
    const xs = ring.map((p) => p[0])
    const ys = ring.map((p) => p[1])
    return {
      id: g.id,
      districtId: Number(g.path.split('/').filter(Boolean)[1] ?? g.id),
      path: g.path,
      name: g.name_zh,
      ring,
      bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
    }
  })
  const zone = gridRows[0]?.timezone ?? 'Asia/Shanghai'
  const leaves = (
    await db
      .selectFrom('case_category')
      .select(['id', 'code', 'name_zh', 'respond_hours', 'handle_workdays'])
      .where('is_leaf', '=', true)
      .where('active', '=', true)
      .orderBy('id')
      .execute()
  ).map(
    (l): Leaf => ({
      id: l.id,
      code: l.code,
      name: l.name_zh,
      respondHours: l.respond_hours!,
      handleWorkdays: l.handle_workdays!,
    }),
  )
  if (leaves.length === 0) throw new Error('the catalogue has no active leaf categories: import one first')
  const routing = new Map<string, number>()
  for (const r of await db.selectFrom('category_routing').select(['category_id', 'area_id', 'department_id']).execute())
    routing.set(`${r.category_id}:${r.area_id}`, r.department_id)
  const departments = new Map(
    (await db.selectFrom('department').select(['id', 'name_zh']).execute()).map((d) => [d.id, d.name_zh]),
  )
  const users: User[] = (
    await db
      .selectFrom('app_user as u')
      .innerJoin('role_grant as g', 'g.user_id', 'u.id')
      .innerJoin('area as a', 'a.id', 'g.area_id')
      .select(['u.id', 'u.display_name', 'u.department_id', 'g.role', 'a.path'])
      .orderBy('u.id')
      .execute()
  ).map((u) => ({ id: u.id, name: u.display_name, role: u.role, path: u.path, departmentId: u.department_id }))
  const calendar = new Map(
    (await db.selectFrom('calendar_day').select(['day', 'kind']).execute()).map((d) => [String(d.day), d.kind]),
  )
  return { grids, zone, leaves, routing, departments, users, calendar }
}

export const casesStep: GenerateStep = {
  entity: 'cases',
  tables: ['cases', 'case_event', 'workflow_timer'],
  async run(ctx, total) {
    const cipher = ctx.opts.cipher
    const { rng, opts, sink } = ctx
    const world = await loadWorld(ctx)
    const { grids, leaves, routing, departments, users, calendar, zone } = world
    const until = opts.until.getTime()
    const start = until - Math.round(opts.years * 365.25) * DAY
    const offset = DateTime.fromMillis(until, { zone }).offset * MIN

    // Working days by local day number (days since the epoch in the zone's fixed offset).
    const firstDay = Math.floor((start + offset) / DAY) - 10
    const lastDay = Math.floor((until + offset) / DAY) + 800
    const workday = new Uint8Array(lastDay - firstDay + 1)
    for (let d = firstDay; d <= lastDay; d++) {
      const iso = new Date(d * DAY).toISOString().slice(0, 10)
      const o = calendar.get(iso)
      const wd = new Date(d * DAY).getUTCDay()
      workday[d - firstDay] = o ? (o === 'workday' ? 1 : 0) : wd >= 1 && wd <= 5 ? 1 : 0
    }
    const isWork = (d: number) =>
      d < firstDay || d > lastDay ? new Date(d * DAY).getUTCDay() % 6 !== 0 : workday[d - firstDay] === 1
    /** The same local time on the n-th following working day (as src/cases/calendar.ts addWorkdays). */
    const addWorkdays = (t: number, n: number) => {
      const local = t + offset
      let d = Math.floor(local / DAY)
      let tod = local - d * DAY
      if (!isWork(d)) {
        do d++
        while (!isWork(d))
        tod = 0
      }
      for (let left = n; left > 0; ) if (isWork(++d)) left--
      return d * DAY + tod - offset
    }

    // Weights: grids (hot spots), categories (Zipf-like, seasonal), days (season, weekday, growth).
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
    const gridW = cumulative(grids.map(() => Math.exp(0.6 * normal())))
    const ranks = leaves.map((_, i) => i).sort(() => rng() - 0.5)
    const catBase = leaves.map((_, i) => 1 / (ranks[i]! + 1) ** 0.9)
    const catAmp = leaves.map(() => (rng() - 0.5) * 0.8)
    const catByMonth = Array.from({ length: 12 }, (_, m) =>
      cumulative(catBase.map((b, i) => b * (1 + catAmp[i]! * Math.cos((2 * Math.PI * (m - 6.5)) / 12)))),
    )
    const hourW = cumulative(HOURS)
    const channelW = cumulative(CHANNELS.map((c) => c[1]))
    const days: { t: number; w: number; month: number }[] = []
    for (let t = start; t < until; t += DAY) {
      const local = new Date(t + offset)
      const doy = Math.floor((t - start) / DAY) % 365
      const wd = local.getUTCDay()
      const iso = local.toISOString().slice(0, 10)
      const holiday = calendar.get(iso) === 'holiday'
      const w =
        (1 + 0.25 * Math.cos((2 * Math.PI * (doy - 200)) / 365)) *
        (wd === 0 || wd === 6 || holiday ? 0.7 : 1) *
        (1 + (0.15 * (t - start)) / (365 * DAY))
      days.push({ t, w, month: local.getUTCMonth() })
    }
    const wSum = days.reduce((a, d) => a + d.w, 0)

    // Who acts where: the deepest staff/admin over a grid triages, its grid worker verifies,
    // the department's handlers handle.
    const over = (roles: string[], path: string) =>
      users
        .filter((u) => roles.includes(u.role) && path.startsWith(u.path))
        .sort((a, b) => b.path.length - a.path.length)[0] ?? null
    const triageOf = new Map(grids.map((g) => [g.id, over(['staff', 'admin'], g.path)]))
    const verifierOf = new Map(grids.map((g) => [g.id, over(['grid_worker'], g.path) ?? triageOf.get(g.id) ?? null]))
    const handlersOf = new Map<number, User[]>()
    for (const u of users)
      if (u.role === 'department_handler' && u.departmentId)
        handlersOf.set(u.departmentId, [...(handlersOf.get(u.departmentId) ?? []), u])
    const departmentFor = (leaf: Leaf, grid: Grid): number | null => {
      const ids = grid.path.split('/').filter(Boolean).map(Number).reverse()
      for (const a of ids) {
        const d = routing.get(`${leaf.id}:${a}`)
        if (d !== undefined) return d
      }
      return null
    }
    const salt = Math.floor(rng() * 0x3fffffff)

    const BATCH = sink.backend === 'postgresql' ? 10_000 : 2_000
    let done = 0
    let events = 0
    let timers = 0
    let pending: Promise<void> = Promise.resolve()
    const lastOfCategory = new Map<number, { id: number; t: number }>()
    const stateCounts: Record<string, number> = {}
    let carry = 0
    let dayIndex = 0
    let leftToday = 0

    while (done < total) {
      const n = Math.min(BATCH, total - done)
      const { rows: idRows } = await sql<{
        id: number
      }>`select nextval('cases_id_seq')::bigint as id from generate_series(1, ${n}::int)`.execute(ctx.database.db)
      const caseRows: RowValues[] = []
      const eventRows: RowValues[] = []
      const timerRows: RowValues[] = []
      for (let k = 0; k < n; k++) {
        // Next submission time: walk the days, each getting its share of the total.
        while (leftToday <= 0 && dayIndex < days.length) {
          const exact = (total * days[dayIndex]!.w) / wSum + carry
          leftToday = Math.floor(exact)
          carry = exact - leftToday
          dayIndex++
          if (dayIndex === days.length) leftToday = total - done - k // the rest on the last day
        }
        leftToday--
        const day = days[Math.max(0, dayIndex - 1)]!
        const localMidnight = Math.floor((day.t + offset) / DAY) * DAY - offset
        let t0 = localMidnight + weightedIndex(hourW, rng()) * HOUR + Math.floor(rng() * HOUR)
        if (t0 >= until) t0 = until - 1 - Math.floor(rng() * HOUR)
        if (t0 < start) t0 = start

        const id = idRows[k]!.id
        const grid = grids[weightedIndex(gridW, rng())]!
        const leaf = leaves[weightedIndex(catByMonth[day.month]!, rng())]!
        const channel = CHANNELS[weightedIndex(channelW, rng())]![0]
        const triage = triageOf.get(grid.id) ?? null
        const verifier = verifierOf.get(grid.id) ?? null
        const gridWorker = channel === 'patrol' && verifier?.role === 'grid_worker' ? verifier : null
        const reporterName = gridWorker ? gridWorker.name : pick(rng, SURNAMES) + pick(rng, GIVEN)
        const phone =
          channel === 'hotline' || (channel !== 'patrol' && rng() < 0.5)
            ? `13${Math.floor(100000000 + rng() * 899999999)}`
            : null
        let lng: number | null = null
        let lat: number | null = null
        if (channel !== 'hotline' || rng() < 0.5) {
          for (let tries = 0; tries < 50; tries++) {
            const x = grid.bbox[0] + rng() * (grid.bbox[2] - grid.bbox[0])
            const y = grid.bbox[1] + rng() * (grid.bbox[3] - grid.bbox[1])
            if (inside(grid.ring, x, y)) {
              lng = Math.round(x * 1e7) / 1e7
              lat = Math.round(y * 1e7) / 1e7
              break
            }
          }
        }
        const address = `${grid.name}${between(rng, 1, 40)}${pick(rng, PLACES)}`
        const description = `${leaf.name}${pick(rng, PHRASES)}`
        const responseDue = t0 + leaf.respondHours * HOUR

        // The life story, as events; cut at `until`.
        type Ev = {
          at: number
          action: string
          to: string
          actor: User | null
          actorName: string
          role: string
          dept: number | null
          comment: string | null
          detail: Record<string, unknown>
          system?: boolean
        }
        const story: Ev[] = []
        const act = (
          at: number,
          action: string,
          to: string,
          who: 'triage' | 'handler' | 'verifier' | 'reporter',
          dept: number | null,
          comment: string | null = null,
          detail: Record<string, unknown> = {},
        ) => {
          const hs = who === 'handler' && dept !== null ? handlersOf.get(dept) : undefined
          const actor: User | null =
            who === 'triage'
              ? triage
              : who === 'verifier'
                ? verifier
                : who === 'handler'
                  ? hs
                    ? hs[id % hs.length]!
                    : null
                  : gridWorker
          const name =
            actor?.name ??
            (who === 'handler' && dept
              ? `${departments.get(dept) ?? ''}经办人`
              : who === 'reporter'
                ? reporterName
                : '工作人员')
          story.push({
            at,
            action,
            to,
            actor,
            actorName: name,
            role: who,
            dept: who === 'handler' ? dept : action === 'dispatch' ? dept : null,
            comment,
            detail,
          })
        }
        const r = rng()
        const t1 = t0 + 5 * MIN + rng() * 2 * HOUR
        const dept = departmentFor(leaf, grid)
        let mergedInto: number | null = null
        let finalRating: string | null = null
        let ratingComment: string | null = null
        let result: string | null = null
        const last = lastOfCategory.get(leaf.id)
        if (r < 0.04) {
          act(t1, 'reject', 'rejected', 'triage', null, '不属于受理范围，已告知反映人向相关单位咨询')
        } else if (r < 0.055 && last && t0 - last.t < 3 * DAY) {
          mergedInto = last.id
          act(t1, 'merge', 'merged', 'triage', null, null, { intoCaseId: last.id })
        } else {
          act(t1, 'accept', 'accepted', 'triage', null)
          if (dept !== null) {
            act(t1, 'dispatch', 'dispatched', 'triage', dept)
            const late = rng() < 0.12
            const t2 =
              t1 + Math.max(MIN, (late ? 1 + rng() * 1.5 : 0.05 + rng() * 0.9) * leaf.respondHours * HOUR - (t1 - t0))
            act(t2, 'department_accept', 'in_progress', 'handler', dept)
            const handleDue = addWorkdays(t2, leaf.handleWorkdays)
            if (rng() >= 0.015) {
              const lateReply = rng() < 0.1
              let t3 = t2 + (handleDue - t2) * (lateReply ? 1.05 + rng() : 0.1 + rng() * 0.85)
              result = `已处理：${leaf.name}问题已解决`
              act(t3, 'reply', 'replied', 'handler', dept, result)
              let t4 = t3 + HOUR + rng() * 20 * HOUR
              if (rng() < 0.06) {
                act(t4, 'verify_fail', 'in_progress', 'verifier', null, '现场核查未整改到位')
                t3 = t4 + 4 * HOUR + rng() * 44 * HOUR
                act(t3, 'reply', 'replied', 'handler', dept, result)
                t4 = t3 + HOUR + rng() * 20 * HOUR
              }
              act(t4, 'verify_pass', 'verified', 'verifier', null)
              const t5 = t4 + 30 * MIN + rng() * 12 * HOUR
              act(t5, 'close', 'closed', 'triage', null)
              if (rng() < 0.8) {
                const x = rng()
                const rating = x < 0.7 ? 'satisfied' : x < 0.9 ? 'basically_satisfied' : 'unsatisfied'
                const t6 = t5 + HOUR + rng() * 71 * HOUR
                act(t6, 'rate', 'rated', 'reporter', null, rating === 'unsatisfied' ? '问题没有彻底解决' : null, {
                  rating,
                })
                if (rating === 'unsatisfied' && rng() < 0.35) {
                  const t7 = t6 + 2 * HOUR + rng() * 46 * HOUR
                  act(t7, 'reopen', 'in_progress', 'triage', null, '群众不满意，重新办理')
                  const t8 = t7 + 4 * HOUR + rng() * 72 * HOUR
                  act(t8, 'reply', 'replied', 'handler', dept, result)
                  const t9 = t8 + HOUR + rng() * 20 * HOUR
                  act(t9, 'verify_pass', 'verified', 'verifier', null)
                  const t10 = t9 + 30 * MIN + rng() * 12 * HOUR
                  act(t10, 'close', 'closed', 'triage', null)
                  if (rng() < 0.8) {
                    const rating2 = rng() < 0.8 ? 'basically_satisfied' : 'satisfied'
                    act(t10 + HOUR + rng() * 48 * HOUR, 'rate', 'rated', 'reporter', null, null, { rating: rating2 })
                  }
                }
              }
            }
          }
        }
        lastOfCategory.set(leaf.id, { id, t: t0 })

        // Replay the story up to `until`, deriving the row as the workflow would have.
        let state = 'submitted'
        let version = 1
        let updated = t0
        let respondedAt: number | null = null
        let handleDue: number | null = null
        let repliedAt: number | null = null
        let verifiedAt: number | null = null
        let closedAt: number | null = null
        let ratedAt: number | null = null
        let rating: string | null = null
        let rework = 0
        let reopen = 0
        let department: number | null = null
        let stage: string | null = 'respond'
        let stageSeq = 1
        let stageStart: number | null = t0
        let stageDue: number | null = responseDue
        let escalation = 0
        let hadResult = false
        const push = (
          at: number,
          action: string,
          from: string | null,
          to: string,
          actorId: number | null,
          actorName: string,
          role: string,
          deptId: number | null,
          comment: string | null,
          detail: Record<string, unknown>,
        ) => {
          eventRows.push([
            id,
            new Date(at),
            action,
            from,
            to,
            actorId,
            actorName,
            role,
            deptId,
            comment,
            JSON.stringify(detail),
            PUBLIC.has(action),
          ])
          events++
        }
        push(
          t0,
          'submit',
          null,
          'submitted',
          gridWorker?.id ?? null,
          reporterName,
          channel === 'patrol' ? 'grid_worker' : channel === 'hotline' ? 'hotline' : 'reporter',
          null,
          null,
          { channel },
        )
        // Warnings and escalations of a stage that ran from stageStart until `end`.
        const clock = (end: number) => {
          if (stage === null || stageStart === null || stageDue === null) return
          const warn = stageStart + 0.8 * (stageDue - stageStart)
          if (warn < end) push(warn, 'warning', state, state, null, 'system', 'system', null, null, { stage })
          if (stageDue < end) {
            escalation++
            push(stageDue, 'escalated', state, state, null, 'system', 'system', null, null, {
              stage,
              level: escalation,
            })
          }
        }
        const restart = (name: string | null, at: number, due: number | null) => {
          clock(at)
          stage = name
          if (name !== null) stageSeq++
          stageStart = name === null ? null : at
          stageDue = name === null ? null : due
        }
        for (const e of story) {
          if (e.at >= until) break
          const from = state
          switch (e.action) {
            case 'department_accept':
              respondedAt = e.at
              handleDue = addWorkdays(e.at, leaf.handleWorkdays)
              restart('handle', e.at, handleDue)
              break
            case 'reply':
              repliedAt = e.at
              hadResult = true
              restart('verify', e.at, addWorkdays(e.at, 1))
              break
            case 'verify_fail':
              rework++
              restart('handle', e.at, addWorkdays(e.at, leaf.handleWorkdays))
              break
            case 'verify_pass':
              verifiedAt = e.at
              restart(null, e.at, null)
              break
            case 'close':
              closedAt = e.at
              restart(null, e.at, null)
              break
            case 'rate':
              rating = e.detail.rating as string
              ratedAt = e.at
              break
            case 'reopen':
              reopen++
              rating = null
              ratedAt = null
              closedAt = null
              restart('handle', e.at, addWorkdays(e.at, leaf.handleWorkdays))
              break
            case 'reject':
            case 'merge':
              restart(null, e.at, null)
              break
            case 'dispatch':
              department = e.dept
              break
          }
          state = e.to
          version++
          updated = e.at
          push(e.at, e.action, from, e.to, e.actor?.id ?? null, e.actorName, e.role, e.dept, e.comment, e.detail)
          if (e.action === 'merge' && mergedInto !== null) {
            push(e.at, 'merged_from', 'submitted', 'submitted', null, 'system', 'system', null, null, { caseId: id })
            eventRows[eventRows.length - 1]![0] = mergedInto
          }
        }
        clock(until)
        if (state === 'rated') {
          finalRating = rating
          ratingComment = rating === 'unsatisfied' ? '问题没有彻底解决' : null
        }
        if (stage !== null && stageStart !== null && stageDue !== null) {
          const warn = stageStart + 0.8 * (stageDue - stageStart)
          timerRows.push(['case', id, 'warn', stage, stageSeq, new Date(warn), warn < until ? new Date(warn) : null])
          timerRows.push([
            'case',
            id,
            'overdue',
            stage,
            stageSeq,
            new Date(stageDue),
            stageDue < until ? new Date(stageDue) : null,
          ])
          timers += 2
        }
        stateCounts[state] = (stateCounts[state] ?? 0) + 1
        caseRows.push([
          id,
          trackingCode(id, t0, salt),
          leaf.id,
          grid.id,
          grid.districtId,
          channel,
          state,
          version,
          lng === null ? null : `SRID=4326;POINT(${lng} ${lat})`,
          lng === null ? address : rng() < 0.5 ? address : null,
          description,
          '{}',
          // Phones are stored as the intake stores them: sealed (without a key, none are generated).
          gridWorker?.id ?? null,
          reporterName,
          phone && cipher ? `\\x${cipher.encrypt(phone).toString('hex')}` : null,
          phone && cipher ? maskPhone(phone) : null,
          department,
          stage,
          stageSeq,
          stageStart === null ? null : new Date(stageStart),
          stage === null || stageStart === null ? null : new Date(stageStart + 0.8 * (stageDue! - stageStart)),
          stageDue === null ? null : new Date(stageDue),
          escalation,
          hadResult ? result : null,
          finalRating,
          finalRating ? ratingComment : null,
          state === 'merged' ? mergedInto : null,
          rework,
          reopen,
          new Date(t0),
          new Date(responseDue),
          respondedAt === null ? null : new Date(respondedAt),
          handleDue === null ? null : new Date(handleDue),
          repliedAt === null ? null : new Date(repliedAt),
          verifiedAt === null ? null : new Date(verifiedAt),
          closedAt === null ? null : new Date(closedAt),
          state === 'rated' && ratedAt !== null ? new Date(ratedAt) : null,
          new Date(updated),
        ])
      }
      // Cases before their events and timers, on the sink's one connection; the next batch is
      // generated while this one is written.
      await pending
      pending = (async () => {
        await sink.write('cases', CASE_COLUMNS, caseRows)
        await sink.write('case_event', EVENT_COLUMNS, eventRows)
        await sink.write('workflow_timer', TIMER_COLUMNS, timerRows)
      })()
      done += n
      // Report what has been handed to the database; the last batch is awaited below.
      ctx.progress(done)
    }
    await pending
    return {
      rows: { cases: done, case_event: events, workflow_timer: timers },
      detail: { from: new Date(start).toISOString(), until: opts.until.toISOString(), states: stateCounts },
    }
  },
}

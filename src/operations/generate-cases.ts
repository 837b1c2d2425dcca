import { maskPhone } from '../core/privacy.js'
import { between, pick } from '../core/random.js'
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { mergeRules, type CaseRulesInput, type Urgency } from '../cases/rules.js'
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
 *   swing; channels: patrol 35 %, portal 25 %, hotline 22 %, open311 6 %, api 7 %, proactive 5 %
 *   (未诉先办); urgency: the category's own tier mostly, else ≈10 % urgent, 75 % general, 15 % complex,
 *   with the area's limits for each tier (src/cases/rules.ts, read per grid as caseRulesFor does).
 * - Lifecycle, step by step as src/cases/actions.ts takes it: public reports in a category verified
 *   before filing are confirmed on site or invalidated (~8 %); reject ~3.5 %, merge ~1.5 %;
 *   enquiries mostly answered directly (直接答复); otherwise accept → automatic dispatch by the
 *   category's routing → a return within the window (~6 %; approved → another department, or denied)
 *   → department accept (~12 % late) → first contact with a requester who left a phone (≈95 %
 *   contacted, ≈90 % of those within the tier's limit; some calls not answered first) → an
 *   extension asked for (~8 %, mostly approved) → shelving with a leader's approval (~1.5 %;
 *   reviewed every `shelvingReviewDays`, ~40 % revived later) → reply (~10 % late; ~1.5 % never:
 *   stalled and overdue) → verify (~6 % fail, rework) → close → the requester's answer: rated in the
 *   portal, or asked at a hotline call-back (reached, declined, or not reached after the area's
 *   attempts: not rated, 不参评); staff's own reports (patrol, proactive) are never rated; an
 *   unsatisfied or unsolved answer may reopen the case, which runs again to a new answer.
 * - The story is cut at `until`: the state is the one after the last step before it, so recent
 *   cases are open in realistic proportions and old ones closed. Stage clocks, warnings and
 *   escalations (with their internal events), version and every column the workflow keeps (contact,
 *   return, extension, shelving and answer columns) follow the same story, so the statistics read
 *   exactly what the workflow would have written.
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
  defaultUrgency: Urgency
  /** Public reports are verified on site before filing (核实). */
  verify: boolean
  /** An enquiry (咨询): mostly answered directly by the operator. */
  enquiry: boolean
}
interface User {
  id: number
  name: string
  role: string
  path: string
  departmentId: number | null
}

const CHANNELS: [string, number][] = [
  ['patrol', 0.35],
  ['portal', 0.25],
  ['hotline', 0.22],
  ['open311', 0.06],
  ['api', 0.07],
  // Problems staff foresaw before anyone complained (未诉先办).
  ['proactive', 0.05],
]
/** The tiers a case is filed in when its category has no tier of its own (≈10 / 75 / 15 %). */
const URGENCY: [Urgency, number][] = [
  ['urgent', 0.1],
  ['general', 0.75],
  ['complex', 0.15],
]
const RETURN_REASONS = ['not_our_duty', 'wrong_area', 'insufficient_information', 'beyond_capacity', 'other'] as const
const CONTACT_METHODS = ['phone', 'phone', 'phone', 'visit', 'message'] as const
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
  'urgency',
  'dispatched_at',
  'contact_required',
  'contact_due_at',
  'contacted_at',
  'rateable',
  'solved',
  'rating_status',
  'callback_attempts',
  'return_count',
  'return_denied_count',
  'return_request',
  'extension_count',
  'extension_request',
  'direct_answer',
  'shelving_request',
  'shelved_at',
  'shelved_by',
  'shelve_review_at',
  'shelved_count',
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
      .select([
        'id',
        'code',
        'name_zh',
        'respond_hours',
        'handle_workdays',
        'default_urgency',
        'verify_before_filing',
        'kind',
      ])
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
      defaultUrgency: l.default_urgency as Urgency,
      verify: l.verify_before_filing,
      enquiry: l.kind === 'enquiry',
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
  // The loop's rules per grid (limits per tier, return window, call-back attempts, shelving review):
  // each area's settings over its ancestors', as caseRulesFor reads them.
  const layers = new Map(
    (await db.selectFrom('case_rules').select(['area_id', 'rules']).execute()).map((r) => [
      r.area_id,
      r.rules as CaseRulesInput,
    ]),
  )
  const rulesOf = new Map(
    grids.map((g) => [
      g.id,
      mergeRules(
        g.path
          .split('/')
          .filter(Boolean)
          .map(Number)
          .flatMap((a) => (layers.has(a) ? [layers.get(a)!] : [])),
      ),
    ]),
  )
  return { grids, zone, leaves, routing, departments, users, calendar, rulesOf }
}

export const casesStep: GenerateStep = {
  entity: 'cases',
  tables: ['cases', 'case_event', 'workflow_timer'],
  async run(ctx, total) {
    const cipher = ctx.opts.cipher
    const { rng, opts, sink } = ctx
    const world = await loadWorld(ctx)
    const { grids, leaves, routing, departments, users, calendar, zone, rulesOf } = world
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
    // Leaders decide extensions and shelving (supervisor); without one, triage does.
    const supervisorOf = new Map(
      grids.map((g) => [g.id, over(['leader', 'admin'], g.path) ?? triageOf.get(g.id) ?? null]),
    )
    // Where an approved return goes next: another department that handles cases.
    const departmentIds = [...departments.keys()].sort((a, b) => a - b)
    const urgencyW = cumulative(URGENCY.map((u) => u[1]))
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
        const rules = rulesOf.get(grid.id)!
        const triage = triageOf.get(grid.id) ?? null
        const verifier = verifierOf.get(grid.id) ?? null
        const supervisor = supervisorOf.get(grid.id) ?? null
        // Staff's own reports: a grid worker's patrol, or a problem foreseen (by a grid worker or staff).
        const staffOwn = channel === 'patrol' || channel === 'proactive'
        const gridWorker =
          channel === 'patrol'
            ? verifier?.role === 'grid_worker'
              ? verifier
              : null
            : channel === 'proactive'
              ? rng() < 0.6 && verifier?.role === 'grid_worker'
                ? verifier
                : triage
              : null
        const reporterName = gridWorker ? gridWorker.name : pick(rng, SURNAMES) + pick(rng, GIVEN)
        const phone =
          channel === 'hotline' || (!staffOwn && rng() < 0.5) ? `13${Math.floor(100000000 + rng() * 899999999)}` : null
        // Someone to call back (a phone left with the report); never staff's own report. Not asked
        // for them either: staff do not rate their own reports.
        const contactRequired = !staffOwn && phone !== null
        const rateable = !staffOwn
        const urgency: Urgency =
          leaf.defaultUrgency !== 'general' && rng() < 0.7
            ? leaf.defaultUrgency
            : URGENCY[weightedIndex(urgencyW, rng())]![0]
        const limits = rules.limits[urgency]
        /** When the reply is due for a handling clock started at `t` (the tier's hours or working days). */
        const replyDueFrom = (t: number) =>
          limits.replyHours !== undefined
            ? t + limits.replyHours * HOUR
            : addWorkdays(t, limits.replyWorkdays ?? leaf.handleWorkdays)
        // Public reports in some categories are checked on site before filing (核实).
        const verifying = leaf.verify && (channel === 'portal' || channel === 'open311' || channel === 'hotline')
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

        // The life story, as events in time order; cut at `until`.
        type Who = 'triage' | 'handler' | 'verifier' | 'reporter' | 'supervisor' | 'system'
        type Ev = {
          at: number
          action: string
          to: string | null
          actor: User | null
          actorName: string
          role: string
          dept: number | null
          comment: string | null
          detail: Record<string, unknown>
        }
        const story: Ev[] = []
        const act = (
          at: number,
          action: string,
          to: string | null,
          who: Who,
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
                : who === 'supervisor'
                  ? supervisor
                  : who === 'handler'
                    ? hs
                      ? hs[id % hs.length]!
                      : null
                    : who === 'reporter'
                      ? gridWorker
                      : null
          const name =
            who === 'system'
              ? 'system'
              : (actor?.name ??
                (who === 'handler' && dept
                  ? `${departments.get(dept) ?? ''}经办人`
                  : who === 'reporter'
                    ? reporterName
                    : '工作人员'))
          story.push({
            at,
            action,
            to,
            actor,
            actorName: name,
            role: who,
            dept: who === 'handler' || action === 'dispatch' ? dept : null,
            comment,
            detail,
          })
        }
        /**
         * The requester's answer after a close at `t`: rated in the portal, or asked at a hotline
         * call-back (回访) — reached, declined, or not reached after the area's attempts (不参评).
         * Answers whether the answer was "unsatisfied" or "not solved", and when it was given.
         */
        let attemptsSoFar = 0
        const answer = (t: number, second: boolean): { bad: boolean; at: number } | null => {
          if (!rateable) return null
          const draw = () => {
            const x = rng()
            const rating = second
              ? x < 0.75
                ? 'basically_satisfied'
                : x < 0.95
                  ? 'satisfied'
                  : 'unsatisfied'
              : x < 0.7
                ? 'satisfied'
                : x < 0.9
                  ? 'basically_satisfied'
                  : 'unsatisfied'
            const solved =
              rating === 'satisfied' ? rng() < 0.97 : rating === 'basically_satisfied' ? rng() < 0.85 : rng() < 0.25
            return { rating, solved }
          }
          if (!contactRequired) {
            // Nobody to call: an anonymous reporter rates with the token now and then.
            if (rng() >= 0.45) return null
            const a = draw()
            const at = t + HOUR + rng() * 71 * HOUR
            act(at, 'rate', 'rated', 'reporter', null, a.rating === 'unsatisfied' ? '问题没有彻底解决' : null, a)
            return { bad: a.rating === 'unsatisfied' || !a.solved, at }
          }
          if (rng() < 0.3) {
            const a = draw()
            const at = t + HOUR + rng() * 47 * HOUR
            act(at, 'rate', 'rated', 'reporter', null, a.rating === 'unsatisfied' ? '问题没有彻底解决' : null, a)
            return { bad: a.rating === 'unsatisfied' || !a.solved, at }
          }
          // Call-backs a working day apart: most requesters answer one of them; one in twenty declines.
          // Attempts count over the case's life, as the workflow counts them (a reopened case's
          // second call-back continues the count).
          let at = t + 2 * HOUR + rng() * 20 * HOUR
          for (;;) {
            const attempt = ++attemptsSoFar
            const x = rng()
            if (x < 0.05) {
              act(at, 'callback', null, 'triage', null, '诉求人表示不参与评价', {
                attempt,
                reached: true,
                declined: true,
                notRated: true,
                attemptsAllowed: rules.callbackAttempts,
              })
              return null
            }
            if (x < 0.62) {
              const a = draw()
              act(at, 'callback', 'rated', 'triage', null, a.rating === 'unsatisfied' ? '诉求人表示问题未解决' : null, {
                attempt,
                reached: true,
                ...a,
              })
              return { bad: a.rating === 'unsatisfied' || !a.solved, at }
            }
            const notRated = attempt >= rules.callbackAttempts
            act(at, 'callback', null, 'triage', null, '电话未接通', {
              attempt,
              reached: false,
              declined: false,
              notRated,
              attemptsAllowed: rules.callbackAttempts,
            })
            if (notRated) return null
            at = addWorkdays(at, 1) + rng() * 2 * HOUR
          }
        }

        const r = rng()
        let t1 = t0 + 5 * MIN + rng() * 2 * HOUR
        const dept = departmentFor(leaf, grid)
        let mergedInto: number | null = null
        let result: string | null = null
        const last = lastOfCategory.get(leaf.id)
        // Verification on site first: the report is found there, or not (rejected with a reason).
        let invalid = false
        if (verifying) {
          const tc = t0 + HOUR + rng() * 20 * HOUR
          if (rng() < 0.08) {
            act(tc, 'invalidate', 'rejected', 'verifier', null, '现场核实未发现反映的问题')
            invalid = true
          } else {
            act(tc, 'confirm', 'submitted', 'verifier', null, '现场核实属实')
            t1 = tc + 5 * MIN + rng() * 2 * HOUR
          }
        }
        if (invalid) {
          // Nothing more: the reporter was told why.
        } else if (r < 0.035) {
          act(t1, 'reject', 'rejected', 'triage', null, '不属于受理范围，已告知反映人向相关单位咨询')
        } else if (r < 0.05 && last && t0 - last.t < 3 * DAY && !verifying) {
          mergedInto = last.id
          act(t1, 'merge', 'merged', 'triage', null, null, { intoCaseId: last.id })
        } else if (leaf.enquiry && rng() < 0.7) {
          // An enquiry the operator answers at once (直接答复): closed without dispatch, still rated.
          result = `已直接答复：${leaf.name}的办理条件和流程已向诉求人说明`
          act(t1, 'answer_directly', 'closed', 'triage', null, result)
          answer(t1, false)
        } else {
          act(t1, 'accept', 'accepted', 'triage', null)
          let current = dept
          if (current !== null) {
            // Accepting dispatches by the category's routing at once (the system's step).
            act(t1, 'dispatch', 'dispatched', 'system', current, null, { automatic: true })
            let tDispatch = t1
            // A governed return (退单), within the window after dispatch; triage approves it (the
            // case goes to another department, its clock restarts) or denies it.
            if (rng() < 0.06) {
              const tr = tDispatch + (0.1 + rng() * 0.85) * rules.returnWindowHours * HOUR
              const reason = pick(rng, RETURN_REASONS)
              act(tr, 'return', 'return_requested', 'handler', current, '经核查不属于本单位职责范围', { reason })
              const td = tr + 20 * MIN + rng() * 3 * HOUR
              const others = departmentIds.filter((d) => d !== current && handlersOf.has(d))
              if (rng() < 0.55 && others.length) {
                const next = others[Math.floor(rng() * others.length)]!
                act(td, 'approve_return', 'accepted', 'triage', null, null, { returnedBy: current })
                act(td, 'dispatch', 'dispatched', 'triage', next, null, { afterReturn: true })
                current = next
                tDispatch = td
              } else {
                act(td, 'deny_return', 'dispatched', 'triage', null, '经核实属于该单位职责，请按时办理')
              }
            }
            const respondBase = story.at(-1)!.at
            const late = rng() < 0.12
            const t2 =
              respondBase +
              Math.max(
                MIN,
                (late ? 1 + rng() * 1.5 : 0.05 + rng() * 0.9) * leaf.respondHours * HOUR - (respondBase - tDispatch),
              )
            act(t2, 'department_accept', 'in_progress', 'handler', current)
            // First contact with the requester, counted from the dispatch (before or after the
            // department's acceptance): ≈95 % contacted, ≈90 % of them within the tier's limit.
            const contactLimit = limits.contactHours * HOUR
            let tContact: number | null = null
            if (contactRequired && rng() < 0.95) {
              tContact = tDispatch + (rng() < 0.9 ? 0.05 + rng() * 0.9 : 1.05 + rng() * 1.5) * contactLimit
            }
            let handleDue = replyDueFrom(t2)
            let tWork = t2
            // The contact falls while the case is being handled: before a reply and before shelving.
            let contactBefore = Number.POSITIVE_INFINITY
            // An extension asked for and decided (mostly approved), well before the deadline.
            if (rng() < 0.08) {
              const tq = t2 + (handleDue - t2) * (0.3 + rng() * 0.4)
              const workdays = between(rng, 2, 5)
              act(tq, 'request_extension', null, 'handler', current, '需协调相关单位共同处理，申请延期', { workdays })
              const approve = rng() < 0.8
              const tdx = tq + HOUR + rng() * 20 * HOUR
              act(tdx, 'decide_extension', null, 'supervisor', null, approve ? '同意延期' : '不同意延期，请按期办结', {
                approve,
                workdays,
              })
              if (approve) handleDue = addWorkdays(handleDue, workdays)
              tWork = tdx
            }
            // Shelving (挂账): a case that cannot be solved now, approved by a leader; reviewed every
            // few weeks; some are revived when the obstacle is gone.
            let stalled = rng() < 0.015
            if (!stalled && rng() < 0.015) {
              const tq = tWork + (handleDue - tWork) * (0.2 + rng() * 0.5)
              act(tq, 'request_shelving', null, 'handler', current, '涉及历史遗留问题，暂不具备解决条件，申请挂账')
              contactBefore = tq
              const ts = tq + 2 * HOUR + rng() * 40 * HOUR
              act(ts, 'shelve', 'shelved', 'supervisor', null, '同意挂账，定期复核', {
                requested: true,
                reviewAt: new Date(ts + rules.shelvingReviewDays * DAY).toISOString(),
              })
              const revived = rng() < 0.4 ? ts + (20 + rng() * 120) * DAY : Number.POSITIVE_INFINITY
              let review = ts + rules.shelvingReviewDays * DAY
              for (let n = 0; n < 15 && review < revived; n++) {
                act(review, 'shelving_review', 'shelved', 'system', null, null, {
                  nextReviewAt: new Date(review + rules.shelvingReviewDays * DAY).toISOString(),
                })
                review += rules.shelvingReviewDays * DAY
              }
              if (revived === Number.POSITIVE_INFINITY) stalled = true
              else {
                act(revived, 'revive', 'in_progress', 'supervisor', null, '条件已具备，恢复办理')
                tWork = revived
                handleDue = replyDueFrom(revived)
              }
            }
            if (!stalled) {
              const lateReply = rng() < 0.1
              let t3 = tWork + (handleDue - tWork) * (lateReply ? 1.05 + rng() : 0.1 + rng() * 0.85)
              contactBefore = Math.min(contactBefore, t3)
              result = `已处理：${leaf.name}问题已解决`
              act(t3, 'reply', 'replied', 'handler', current, result)
              let t4 = t3 + HOUR + rng() * 20 * HOUR
              if (rng() < 0.06) {
                act(t4, 'verify_fail', 'in_progress', 'verifier', null, '现场核查未整改到位')
                t3 = t4 + 4 * HOUR + rng() * 44 * HOUR
                act(t3, 'reply', 'replied', 'handler', current, result)
                t4 = t3 + HOUR + rng() * 20 * HOUR
              }
              act(t4, 'verify_pass', 'verified', 'verifier', null)
              const t5 = t4 + 30 * MIN + rng() * 12 * HOUR
              act(t5, 'close', 'closed', 'triage', null)
              const first = answer(t5, false)
              if (first?.bad && rng() < 0.35) {
                const t7 = first.at + 2 * HOUR + rng() * 46 * HOUR
                act(t7, 'reopen', 'in_progress', 'triage', null, '群众不满意，重新办理')
                const t8 = t7 + 4 * HOUR + rng() * 72 * HOUR
                act(t8, 'reply', 'replied', 'handler', current, result)
                const t9 = t8 + HOUR + rng() * 20 * HOUR
                act(t9, 'verify_pass', 'verified', 'verifier', null)
                const t10 = t9 + 30 * MIN + rng() * 12 * HOUR
                act(t10, 'close', 'closed', 'triage', null)
                answer(t10, true)
              }
            }
            // The contact (and, now and then, a call that did not get through before it).
            if (tContact !== null && tContact >= contactBefore)
              tContact = tDispatch + (contactBefore - tDispatch) * rng()
            if (tContact !== null) {
              const method = pick(rng, CONTACT_METHODS)
              if (rng() < 0.15) {
                const tMiss = tDispatch + (tContact - tDispatch) * rng()
                act(tMiss, 'contact_requester', null, 'handler', current, '电话未接通', {
                  method: 'phone',
                  reached: false,
                })
              }
              act(tContact, 'contact_requester', null, 'handler', current, '已联系诉求人，了解具体情况', {
                method,
                reached: true,
              })
            }
          }
        }
        lastOfCategory.set(leaf.id, { id, t: t0 })
        // In time order; steps at the same moment keep the order they were written in.
        story.sort((a, b) => a.at - b.at)

        // Replay the story up to `until`, deriving the row as the workflow would have.
        let state = verifying ? 'verifying' : 'submitted'
        let version = 1
        let updated = t0
        let responseDue = t0 + leaf.respondHours * HOUR
        let respondedAt: number | null = null
        let handleDue: number | null = null
        let repliedAt: number | null = null
        let verifiedAt: number | null = null
        let closedAt: number | null = null
        let ratedAt: number | null = null
        let rating: string | null = null
        let solved: boolean | null = null
        let ratingStatus: string | null = null
        let ratingComment: string | null = null
        let callbackAttempts = 0
        let rework = 0
        let reopen = 0
        let department: number | null = null
        let dispatchedAt: number | null = null
        let contactDue: number | null = null
        let contactedAt: number | null = null
        let returnCount = 0
        let returnDenied = 0
        let returnRequest: string | null = null
        let extensionCount = 0
        let extensionRequest: string | null = null
        let directAnswer = false
        let shelvingRequest: string | null = null
        let shelvedAt: number | null = null
        let shelvedBy: number | null = null
        let shelveReviewAt: number | null = null
        let shelvedCount = 0
        let stage: string | null = verifying ? 'check' : 'respond'
        let stageSeq = 1
        let stageStart: number | null = t0
        let stageDue: number | null = verifying ? addWorkdays(t0, rules.checkWorkdays) : responseDue
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
          state,
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
        const restart = (name: string | null, at: number, due: number | null, from = at) => {
          clock(at)
          stage = name
          if (name !== null) stageSeq++
          stageStart = name === null ? null : from
          stageDue = name === null ? null : due
        }
        for (const e of story) {
          if (e.at >= until) break
          const from = state
          const detail = { ...e.detail }
          switch (e.action) {
            case 'confirm':
              responseDue = e.at + leaf.respondHours * HOUR
              restart('respond', e.at, responseDue)
              break
            case 'invalidate':
            case 'reject':
            case 'merge':
              restart(null, e.at, null)
              break
            case 'answer_directly':
              directAnswer = true
              hadResult = true
              repliedAt = e.at
              closedAt = e.at
              restart(null, e.at, null)
              break
            case 'dispatch':
              department = e.dept
              dispatchedAt = e.at
              if (contactRequired && contactedAt === null) contactDue = e.at + limits.contactHours * HOUR
              break
            case 'return':
              returnCount++
              returnRequest = JSON.stringify({
                reason: e.detail.reason,
                comment: e.comment,
                at: new Date(e.at).toISOString(),
                departmentId: department,
              })
              break
            case 'approve_return':
              returnRequest = null
              department = null
              dispatchedAt = null
              contactDue = null
              responseDue = e.at + leaf.respondHours * HOUR
              restart('respond', e.at, responseDue)
              break
            case 'deny_return':
              returnRequest = null
              returnDenied++
              break
            case 'department_accept':
              if (respondedAt === null) respondedAt = e.at
              handleDue = replyDueFrom(e.at)
              restart('handle', e.at, handleDue)
              break
            case 'contact_requester': {
              const firstContact = e.detail.reached === true && contactedAt === null
              if (firstContact) contactedAt = e.at
              detail.first = firstContact
              detail.onTime = firstContact && contactDue !== null ? e.at <= contactDue : null
              break
            }
            case 'request_extension':
              extensionRequest = JSON.stringify({
                workdays: e.detail.workdays,
                comment: e.comment,
                at: new Date(e.at).toISOString(),
              })
              break
            case 'decide_extension':
              extensionRequest = null
              if (e.detail.approve === true && stageDue !== null) {
                extensionCount++
                handleDue = addWorkdays(stageDue, e.detail.workdays as number)
                restart('handle', e.at, handleDue, stageStart ?? e.at)
              }
              break
            case 'request_shelving':
              shelvingRequest = JSON.stringify({ comment: e.comment, at: new Date(e.at).toISOString() })
              break
            case 'shelve':
              restart(null, e.at, null)
              stageSeq++
              shelvingRequest = null
              shelvedAt = e.at
              shelvedBy = e.actor?.id ?? null
              shelveReviewAt = e.at + rules.shelvingReviewDays * DAY
              shelvedCount++
              break
            case 'shelving_review':
              stageSeq++
              shelvedAt = e.at
              shelveReviewAt = e.at + rules.shelvingReviewDays * DAY
              break
            case 'revive':
              shelveReviewAt = null
              handleDue = replyDueFrom(e.at)
              restart('handle', e.at, handleDue)
              break
            case 'reply':
              repliedAt = e.at
              hadResult = true
              restart('verify', e.at, addWorkdays(e.at, 1))
              break
            case 'verify_fail':
              rework++
              handleDue = replyDueFrom(e.at)
              restart('handle', e.at, handleDue)
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
              solved = e.detail.solved as boolean
              ratingStatus = 'rated'
              ratingComment = e.comment
              ratedAt = e.at
              break
            case 'callback':
              callbackAttempts++
              if (e.to === 'rated') {
                rating = e.detail.rating as string
                solved = e.detail.solved as boolean
                ratingStatus = 'rated'
                ratingComment = e.comment
                ratedAt = e.at
              } else if (e.detail.notRated === true) ratingStatus = 'not_rated'
              break
            case 'reopen':
              detail.previousRating = rating
              detail.previousSolved = solved
              reopen++
              rating = null
              solved = null
              ratingStatus = null
              ratingComment = null
              ratedAt = null
              closedAt = null
              handleDue = replyDueFrom(e.at)
              restart('handle', e.at, handleDue)
              break
          }
          const to = e.to ?? state
          state = to
          // The review is the system's and leaves the version alone, as the timer does.
          if (e.action !== 'shelving_review') version++
          updated = e.at
          push(e.at, e.action, from, to, e.actor?.id ?? null, e.actorName, e.role, e.dept, e.comment, detail)
          if (e.action === 'merge' && mergedInto !== null) {
            push(e.at, 'merged_from', 'submitted', 'submitted', null, 'system', 'system', null, null, { caseId: id })
            eventRows[eventRows.length - 1]![0] = mergedInto
          }
        }
        clock(until)
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
        // A shelved case waits for its next review.
        if (state === 'shelved' && shelveReviewAt !== null) {
          timerRows.push(['case', id, 'review', 'shelved', stageSeq, new Date(shelveReviewAt), null])
          timers++
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
          rating,
          rating ? ratingComment : null,
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
          ratedAt === null ? null : new Date(ratedAt),
          new Date(updated),
          urgency,
          dispatchedAt === null ? null : new Date(dispatchedAt),
          contactRequired,
          contactDue === null ? null : new Date(contactDue),
          contactedAt === null ? null : new Date(contactedAt),
          rateable,
          solved,
          ratingStatus,
          callbackAttempts,
          returnCount,
          returnDenied,
          returnRequest,
          extensionCount,
          extensionRequest,
          directAnswer,
          shelvingRequest,
          shelvedAt === null ? null : new Date(shelvedAt),
          shelvedBy,
          shelveReviewAt === null ? null : new Date(shelveReviewAt),
          shelvedCount,
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

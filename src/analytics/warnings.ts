import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { createCase } from '../cases/intake.js'
import { notifyRoleOver } from '../cases/notify.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, pageSchema, paginate } from '../core/paging.js'
import { id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { asSystem, holds, requireActor, type RequestContext, type Role } from '../core/scope.js'
import { dropTest, spikeSeverity, spikeTest } from './warnings-stats.js'

/*
 * Early warning (issue 16 item 4): a detector, run hourly and by `grassroots detect-warnings`,
 * raises warnings of five kinds; the keepers of an area (admins, leaders, staff over it) read,
 * acknowledge and close them with a note, or start a proactive case (未诉先办) from one. Each new
 * warning goes to the inbox of the leaders over its area. The method of each kind, with its
 * parameters, is in docs/analytics.md ("Early warning"); the statistics are in warnings-stats.ts.
 *
 *   spike              a grid × category whose count today or yesterday (window 'day'), or this
 *                      or last week so far (window 'week'), reaches the α-threshold of its own
 *                      history's negative-binomial predictive: the same weekday over the 8 weeks
 *                      before (day) or the 8 weeks before (week). Counts from case_rollup_live
 *                      (own cases of the grid, merged ones excluded, cohort = local submission day).
 *   repeat_place       ≥ 3 cases (not merged, not proactive) within 50 m of one another within 7 days.
 *   repeat_requester   ≥ 3 cases of one requester within 30 days: the same reporter account, or the
 *                      same blind index of the sealed phone (never decrypted). Staff's own reports
 *                      (not rateable) do not count.
 *   satisfaction_drop  a street's (or a department's) satisfaction rate over the last 14 days of
 *                      submissions significantly below that of the 56 days before (one-sided
 *                      two-proportion z-test, α = 0.001, ≥ 20 rated cases in each, a fall of ≥ 5 points).
 *   dispute_risk       an open dispute at high or urgent risk.
 *
 * Dedupe: one warning per dedupe_key (kind, area, category, window, period and subject). A place,
 * requester, street, department or dispute already warned of (open or acknowledged) has its
 * warning updated instead of a new one raised; a spike is one warning per grid × category × period,
 * its count updated while it lasts. Closed warnings stay closed; cases named by a closed warning do
 * not count again towards a place or requester.
 */

export const warningKinds = ['spike', 'repeat_place', 'repeat_requester', 'satisfaction_drop', 'dispute_risk'] as const
export type WarningKind = (typeof warningKinds)[number]
export const warningSeverities = ['low', 'medium', 'high', 'critical'] as const
export type WarningSeverity = (typeof warningSeverities)[number]
export const warningStates = ['open', 'acknowledged', 'closed'] as const
export const warningWindows = ['day', 'week', 'fortnight', 'none'] as const
/** Who reads and handles warnings: the keepers over the area (RLS: app_warning_area_ids). */
export const warningKeepers: readonly Role[] = ['admin', 'leader', 'staff']
/** Who hears of a new warning in the inbox. */
const warningRecipients: readonly Role[] = ['leader']

/** The detector's parameters (docs/analytics.md lists them with their reasons). */
export const warningSettings = {
  /** False-alarm rate of the spike test per grid × category × period. */
  alpha: 0.001,
  historyWeeks: 8,
  dayMinimum: 3,
  weekMinimum: 5,
  place: { radiusMetres: 50, days: 7, minimum: 3 },
  requester: { days: 30, minimum: 3 },
  satisfaction: { recentDays: 14, baselineDays: 56, alpha: 0.001, minimumRated: 20, minimumDrop: 0.05 },
  disputeLevels: ['high', 'urgent'] as string[],
  /** Case ids kept as evidence per warning. */
  evidenceCases: 50,
}

interface NewWarning {
  kind: WarningKind
  areaId: number
  categoryId: number | null
  departmentId: number | null
  severity: WarningSeverity
  window: (typeof warningWindows)[number]
  period: string
  observed: number
  expected: number | null
  threshold: number | null
  pValue: number | null
  z: number | null
  evidence: Evidence
  dedupeKey: string
  subjectKey: string
  /** Match a live warning of the same subject (place, requester, street, dispute) instead of the period. */
  bySubject: boolean
}

interface Evidence {
  caseIds: number[]
  place?: { lng: number; lat: number; radiusMetres: number }
  disputeId?: number
  maskedPhone?: string | null
  recentRated?: number
  baselineRated?: number
  recentRate?: number
  baselineRate?: number
  historySum?: number
  historyPeriods?: number
  alpha?: number
}

export interface DetectResult {
  raised: number
  updated: number
  byKind: Record<WarningKind, number>
  milliseconds: number
  /** Time each detector took to find its warnings (raising them not included). */
  msByKind: Partial<Record<WarningKind, number>>
}

const dayOf = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10))
const hashed = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24)

/** Runs every detector once, as the owner (no caller: it sees every area). */
export async function detectWarnings(
  db: Db,
  now: Date,
  opts: { kinds?: readonly WarningKind[] } = {},
): Promise<DetectResult> {
  const started = performance.now()
  const kinds = new Set(opts.kinds ?? warningKinds)
  const byKind = Object.fromEntries(warningKinds.map((k) => [k, 0])) as Record<WarningKind, number>
  let raised = 0
  let updated = 0
  const msByKind: Partial<Record<WarningKind, number>> = {}
  await asSystem(db, async (tx) => {
    const found: NewWarning[] = []
    const detectors = {
      spike: spikes,
      repeat_place: repeatPlaces,
      repeat_requester: repeatRequesters,
      satisfaction_drop: satisfactionDrops,
      dispute_risk: disputeRisks,
    }
    for (const kind of warningKinds) {
      if (!kinds.has(kind)) continue
      const t0 = performance.now()
      found.push(...(await detectors[kind](tx, now)))
      msByKind[kind] = Math.round(performance.now() - t0)
    }
    for (const w of found) {
      const r = await raise(tx, w, now)
      if (r === 'raised') {
        raised++
        byKind[w.kind]++
      } else if (r === 'updated') updated++
    }
  })
  return { raised, updated, byKind, msByKind, milliseconds: Math.round(performance.now() - started) }
}

/** Inserts a warning (and tells the leaders) or updates the live one it repeats. */
async function raise(tx: Tx, w: NewWarning, now: Date): Promise<'raised' | 'updated' | 'unchanged'> {
  const evidence = JSON.stringify(w.evidence)
  if (w.bySubject) {
    const live = await sql<{ id: number }>`
      update warning set observed = ${w.observed}, expected = ${w.expected}, threshold = ${w.threshold},
             p_value = ${w.pValue}, z = ${w.z}, severity = ${w.severity}, evidence = ${evidence}::jsonb,
             updated_at = ${now}, version = version + 1
      where subject_key = ${w.subjectKey} and state <> 'closed'
        and (observed, severity, evidence) is distinct from (${w.observed}::float8, ${w.severity}::text, ${evidence}::jsonb)
      returning id`.execute(tx)
    if (live.rows.length) return 'updated'
    const exists = await sql`select 1 from warning where subject_key = ${w.subjectKey} and state <> 'closed'`.execute(
      tx,
    )
    if (exists.rows.length) return 'unchanged'
  }
  const { rows } = await sql<{ id: number; inserted: boolean }>`
    insert into warning (kind, area_id, category_id, department_id, severity, time_window, period, observed, expected,
                         threshold, p_value, z, evidence, dedupe_key, subject_key, raised_at, updated_at)
    values (${w.kind}, ${w.areaId}, ${w.categoryId}, ${w.departmentId}, ${w.severity}, ${w.window}, ${w.period}::date,
            ${w.observed}, ${w.expected}, ${w.threshold}, ${w.pValue}, ${w.z}, ${evidence}::jsonb, ${w.dedupeKey},
            ${w.subjectKey}, ${now}, ${now})
    on conflict (dedupe_key) do update
      set observed = excluded.observed, expected = excluded.expected, threshold = excluded.threshold,
          p_value = excluded.p_value, z = excluded.z, severity = excluded.severity, evidence = excluded.evidence,
          updated_at = excluded.updated_at, version = warning.version + 1
      where warning.state <> 'closed'
        and (warning.observed, warning.severity, warning.evidence) is distinct from (excluded.observed, excluded.severity, excluded.evidence)
    returning id, (xmax = 0) as inserted`.execute(tx)
  const row = rows[0]
  if (!row) return 'unchanged'
  if (!row.inserted) return 'updated'
  const area = await tx
    .selectFrom('area')
    .select(['path', 'name_zh', 'name_en'])
    .where('id', '=', w.areaId)
    .executeTakeFirstOrThrow()
  const category =
    w.categoryId === null
      ? null
      : await tx
          .selectFrom('case_category')
          .select(['name_zh', 'name_en'])
          .where('id', '=', w.categoryId)
          .executeTakeFirst()
  await notifyRoleOver(tx, warningRecipients, area.path, {
    kind: 'warning_raised',
    caseId: null,
    params: {
      warningId: Number(row.id),
      kind: w.kind,
      severity: w.severity,
      areaZh: area.name_zh,
      areaEn: area.name_en,
      categoryZh: category?.name_zh ?? '',
      categoryEn: category?.name_en ?? '',
      observed: w.observed,
    },
    at: now,
  })
  return 'raised'
}

// ---------------------------------------------------------------------------------------------
// The detectors.

/** Cases of a grid × category submitted in [start, start + days) local days (evidence). */
async function periodCases(tx: Tx, gridId: number, categoryId: number, start: string, days: number) {
  const { rows } = await sql<{ id: number }>`
    select c.id from cases c, area a
    where a.id = ${gridId} and c.area_id = a.id and c.category_id = ${categoryId} and c.state <> 'merged'
      and c.submitted_at >= (${start}::date)::timestamp at time zone a.timezone
      and c.submitted_at < (${start}::date + ${days}::int)::timestamp at time zone a.timezone
    order by c.submitted_at, c.id limit ${warningSettings.evidenceCases}`.execute(tx)
  return rows.map((r) => Number(r.id))
}

async function spikes(tx: Tx, now: Date): Promise<NewWarning[]> {
  const s = warningSettings
  // Per grid, the periods under test: today and yesterday, this week (so far) and last week, in
  // the grid's time zone. A period still running is tested against a whole period's threshold, so
  // its count can only rise into an alarm, never out of one. Only counts at the minimum are
  // candidates; their history is summed from the rollup through its (area_id, day) key.
  const { rows } = await sql<{
    area_id: number
    win: 'day' | 'week'
    start: string
    category_id: number
    n: number
    history: number
  }>`
    with g as (
      select a.id, (${now}::timestamptz at time zone a.timezone)::date as today
      from area a where a.level = 'grid' and a.retired_at is null
    ), p as (
      select g.id, w.win, w.start, w.len
      from g cross join lateral (values
        ('day', g.today, 1), ('day', g.today - 1, 1),
        ('week', date_trunc('week', g.today)::date, 7), ('week', date_trunc('week', g.today)::date - 7, 7)
      ) as w(win, start, len)
    ), obs as (
      select p.id as area_id, p.win, p.start, x.category_id, x.n
      from p cross join lateral (
        select r.category_id, sum(r.total)::int as n from case_rollup_live r
        where r.area_id = p.id and r.own and r.day >= p.start and r.day < p.start + p.len
        group by r.category_id
        having sum(r.total) >= case when p.win = 'day' then ${s.dayMinimum}::int else ${s.weekMinimum}::int end
      ) x
    )
    select o.area_id, o.win, o.start::text as start, o.category_id, o.n,
      (select coalesce(sum(r.total), 0)::int from case_rollup_live r
        where r.area_id = o.area_id and r.own and r.category_id = o.category_id
          and r.day >= o.start - 7 * ${s.historyWeeks}::int and r.day < o.start
          and (o.win = 'week' or extract(isodow from r.day) = extract(isodow from o.start))) as history
    from obs o`.execute(tx)
  const out: NewWarning[] = []
  for (const r of rows) {
    const min = r.win === 'day' ? s.dayMinimum : s.weekMinimum
    const t = spikeTest(r.n, r.history, s.historyWeeks, s.alpha, min)
    if (!t.flagged) continue
    const start = dayOf(r.start)
    const key = `spike|${r.win}|${r.area_id}|${r.category_id}|${start}`
    out.push({
      kind: 'spike',
      areaId: r.area_id,
      categoryId: r.category_id,
      departmentId: null,
      severity: spikeSeverity(r.n, t.threshold),
      window: r.win,
      period: start,
      observed: r.n,
      expected: Math.round(t.expected * 1000) / 1000,
      threshold: t.threshold,
      pValue: t.pValue,
      z: null,
      evidence: {
        caseIds: await periodCases(tx, r.area_id, r.category_id, start, r.win === 'day' ? 1 : 7),
        historySum: r.history,
        historyPeriods: s.historyWeeks,
        alpha: s.alpha,
      },
      dedupeKey: key,
      subjectKey: key,
      bySubject: false,
    })
  }
  return out
}

/** Case ids already named by closed warnings of a kind (they do not count again). */
async function closedCaseIds(tx: Tx, kind: WarningKind, since: Date): Promise<Set<number>> {
  const { rows } = await sql<{ id: string }>`
    select distinct jsonb_array_elements_text(evidence -> 'caseIds') as id from warning
    where kind = ${kind} and state = 'closed' and updated_at >= ${since}`.execute(tx)
  return new Set(rows.map((r) => Number(r.id)))
}

async function repeatPlaces(tx: Tx, now: Date): Promise<NewWarning[]> {
  const { radiusMetres, days, minimum } = warningSettings.place
  const since = new Date(now.getTime() - days * 86_400_000)
  // Each recent located case with the recent cases within R of it (the geography index on cases).
  const { rows } = await sql<{ id: number; area_id: number; lng: number; lat: number; near: number[] }>`
    select * from (
      select c.id, c.area_id, ST_X(c.location) as lng, ST_Y(c.location) as lat,
        array(select o.id from cases o
              where o.location is not null and o.state <> 'merged' and o.channel <> 'proactive'
                and o.submitted_at >= ${since} and o.submitted_at <= ${now}
                and ST_DWithin(o.location::geography, c.location::geography, ${radiusMetres})
              order by o.id)::bigint[] as near
      from cases c
      where c.location is not null and c.state <> 'merged' and c.channel <> 'proactive'
        and c.submitted_at >= ${since} and c.submitted_at <= ${now}
    ) x where cardinality(near) >= ${minimum}`.execute(tx)
  const warned = await closedCaseIds(tx, 'repeat_place', since)
  const live = await sql<{ id: number; subject_key: string; evidence: Evidence }>`
    select id, subject_key, evidence from warning where kind = 'repeat_place' and state <> 'closed'`.execute(tx)
  // Greedy: the densest centre first; a case belongs to one place.
  const candidates = rows
    .map((r) => ({ ...r, near: r.near.map(Number).filter((i) => !warned.has(i)) }))
    .filter((r) => r.near.length >= minimum)
    .sort((a, b) => b.near.length - a.near.length || Number(a.id) - Number(b.id))
  const taken = new Set<number>()
  const out: NewWarning[] = []
  for (const c of candidates) {
    if (taken.has(Number(c.id))) continue
    const members = c.near.filter((i) => !taken.has(i))
    if (members.length < minimum) continue
    for (const m of members) taken.add(m)
    // The same place as a live warning when they share a case: that warning is updated.
    const same = live.rows.find((w) => w.evidence.caseIds?.some((i) => members.includes(Number(i))))
    const subject = same?.subject_key ?? `repeat_place|${c.area_id}|${Math.min(...members)}`
    const caseIds = [...new Set([...(same?.evidence.caseIds ?? []).map(Number), ...members])].sort((a, b) => a - b)
    out.push({
      kind: 'repeat_place',
      areaId: c.area_id,
      categoryId: null,
      departmentId: null,
      severity: caseIds.length >= 3 * minimum ? 'high' : caseIds.length >= 2 * minimum ? 'medium' : 'low',
      window: 'week',
      period: dayOf(since),
      observed: caseIds.length,
      expected: null,
      threshold: minimum,
      pValue: null,
      z: null,
      evidence: {
        caseIds: caseIds.slice(0, warningSettings.evidenceCases),
        place: { lng: Number(c.lng), lat: Number(c.lat), radiusMetres },
      },
      dedupeKey: `${subject}|${dayOf(now)}`,
      subjectKey: subject,
      bySubject: true,
    })
  }
  return out
}

/** The deepest area on every path: the nearest common area of a requester's cases. */
function commonArea(paths: string[]): number {
  const split = paths.map((p) => p.split('/').filter(Boolean))
  let common = split[0]!
  for (const s of split.slice(1)) {
    let i = 0
    while (i < common.length && i < s.length && common[i] === s[i]) i++
    common = common.slice(0, i)
  }
  return Number(common.at(-1))
}

async function repeatRequesters(tx: Tx, now: Date): Promise<NewWarning[]> {
  const { days, minimum } = warningSettings.requester
  const since = new Date(now.getTime() - days * 86_400_000)
  const warned = await closedCaseIds(tx, 'repeat_requester', since)
  // The requester: their account, else the blind index of their sealed phone; never the phone.
  const { rows } = await sql<{ who: string; ids: number[]; paths: string[]; masked: string | null }>`
    select who, array_agg(id order by submitted_at, id)::bigint[] as ids, array_agg(path order by submitted_at, id) as paths,
           (array_agg(masked order by submitted_at desc) filter (where masked is not null))[1] as masked
    from (
      select c.id, c.submitted_at, a.path, c.reporter_phone_masked as masked,
             coalesce('u' || c.reporter_id, 'p' || c.reporter_phone_bidx) as who
      from cases c join area a on a.id = c.area_id
      where c.submitted_at >= ${since} and c.submitted_at <= ${now} and c.state <> 'merged' and c.rateable
        and (c.reporter_id is not null or c.reporter_phone_bidx is not null)
    ) x
    group by who having count(*) >= ${minimum}`.execute(tx)
  const out: NewWarning[] = []
  for (const r of rows) {
    const keep = r.ids.map((i, n) => ({ id: Number(i), path: r.paths[n]! })).filter((c) => !warned.has(c.id))
    if (keep.length < minimum) continue
    const subject = `repeat_requester|${hashed(r.who)}`
    out.push({
      kind: 'repeat_requester',
      areaId: commonArea(keep.map((c) => c.path)),
      categoryId: null,
      departmentId: null,
      severity: keep.length >= 3 * minimum ? 'high' : keep.length >= 2 * minimum ? 'medium' : 'low',
      window: 'none',
      period: dayOf(since),
      observed: keep.length,
      expected: null,
      threshold: minimum,
      pValue: null,
      z: null,
      evidence: { caseIds: keep.map((c) => c.id).slice(-warningSettings.evidenceCases), maskedPhone: r.masked },
      dedupeKey: `${subject}|${dayOf(now)}`,
      subjectKey: subject,
      bySubject: true,
    })
  }
  return out
}

async function satisfactionDrops(tx: Tx, now: Date): Promise<NewWarning[]> {
  const s = warningSettings.satisfaction
  const span = s.recentDays + s.baselineDays
  // Rated and satisfied (satisfied + basically satisfied, the default weights) by submission day,
  // per street (its whole subtree: the rollup rows keyed by the street) and per department (the
  // rows keyed by the root areas).
  const { rows } = await sql<{
    unit: 'street' | 'department'
    unit_id: number
    area_id: number
    today: string
    n1: number
    x1: number
    n0: number
    x0: number
  }>`
    with s as (
      select a.id, (${now}::timestamptz at time zone a.timezone)::date as today
      from area a where a.level = 'street' and a.retired_at is null
    ), roots as (
      select a.id, (${now}::timestamptz at time zone a.timezone)::date as today from area a where a.parent_id is null
    )
    select 'street' as unit, s.id as unit_id, s.id as area_id, min(s.today)::text as today,
      coalesce(sum(r.rated) filter (where r.day > s.today - ${s.recentDays}::int), 0)::int as n1,
      coalesce(sum(r.satisfied + r.basically_satisfied) filter (where r.day > s.today - ${s.recentDays}::int), 0)::int as x1,
      coalesce(sum(r.rated) filter (where r.day <= s.today - ${s.recentDays}::int), 0)::int as n0,
      coalesce(sum(r.satisfied + r.basically_satisfied) filter (where r.day <= s.today - ${s.recentDays}::int), 0)::int as x0
    from s join case_rollup_live r on r.area_id = s.id and r.day > s.today - ${span}::int and r.day <= s.today
    group by s.id
    union all
    select 'department', r.department_id, min(d.area_id), min(roots.today)::text,
      coalesce(sum(r.rated) filter (where r.day > roots.today - ${s.recentDays}::int), 0)::int,
      coalesce(sum(r.satisfied + r.basically_satisfied) filter (where r.day > roots.today - ${s.recentDays}::int), 0)::int,
      coalesce(sum(r.rated) filter (where r.day <= roots.today - ${s.recentDays}::int), 0)::int,
      coalesce(sum(r.satisfied + r.basically_satisfied) filter (where r.day <= roots.today - ${s.recentDays}::int), 0)::int
    from roots join case_rollup_live r on r.area_id = roots.id and r.day > roots.today - ${span}::int and r.day <= roots.today
    join department d on d.id = r.department_id
    group by r.department_id`.execute(tx)
  const out: NewWarning[] = []
  for (const r of rows) {
    if (r.n1 < s.minimumRated || r.n0 < s.minimumRated) continue
    const t = dropTest(r.x1, r.n1, r.x0, r.n0)
    const drop = t.baselineRate - t.recentRate
    if (t.pValue > s.alpha || drop < s.minimumDrop) continue
    const today = dayOf(r.today)
    const start = new Date(`${today}T00:00:00Z`)
    start.setUTCDate(start.getUTCDate() - s.recentDays + 1)
    const subject = `satisfaction_drop|${r.unit}|${r.unit_id}`
    const round = (x: number) => Math.round(x * 10_000) / 10_000
    out.push({
      kind: 'satisfaction_drop',
      areaId: r.area_id,
      categoryId: null,
      departmentId: r.unit === 'department' ? r.unit_id : null,
      severity: drop >= 0.3 ? 'critical' : drop >= 0.2 ? 'high' : drop >= 0.1 ? 'medium' : 'low',
      window: 'fortnight',
      period: dayOf(start),
      observed: round(t.recentRate),
      expected: round(t.baselineRate),
      threshold: null,
      pValue: t.pValue,
      z: Math.round(t.z * 1000) / 1000,
      evidence: {
        caseIds: [],
        recentRated: r.n1,
        baselineRated: r.n0,
        recentRate: round(t.recentRate),
        baselineRate: round(t.baselineRate),
        alpha: s.alpha,
      },
      dedupeKey: `${subject}|${dayOf(start)}`,
      subjectKey: subject,
      bySubject: true,
    })
  }
  return out
}

async function disputeRisks(tx: Tx, _now: Date): Promise<NewWarning[]> {
  const { rows } = await sql<{
    id: number
    area_id: number
    risk_level: 'high' | 'urgent'
    threat: boolean
    people_involved: number
    day: string
    source_case_id: number | null
  }>`
    select d.id, d.area_id, d.risk_level, d.threat, d.people_involved, d.source_case_id,
           ((d.registered_at at time zone a.timezone)::date)::text as day
    from dispute d join area a on a.id = d.area_id
    where d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')
      and d.risk_level = any(${warningSettings.disputeLevels}::text[])`.execute(tx)
  return rows.map((d) => {
    const subject = `dispute_risk|${d.id}`
    return {
      kind: 'dispute_risk' as const,
      areaId: d.area_id,
      categoryId: null,
      departmentId: null,
      severity: d.risk_level === 'urgent' || d.threat ? ('critical' as const) : ('high' as const),
      window: 'none' as const,
      period: dayOf(d.day),
      observed: d.people_involved,
      expected: null,
      threshold: null,
      pValue: null,
      z: null,
      evidence: { caseIds: d.source_case_id ? [Number(d.source_case_id)] : [], disputeId: Number(d.id) },
      dedupeKey: `${subject}|${d.risk_level}`,
      subjectKey: subject,
      bySubject: true,
    }
  })
}

// ---------------------------------------------------------------------------------------------
// The inbox, the detail and what people do with a warning.

const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  level: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
const namedRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const warningListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: {
      type: 'string',
      enum: ['live', ...warningStates, 'all'],
      default: 'live',
      description: 'live = open or acknowledged',
    },
    kind: { type: 'string', enum: warningKinds },
    severity: { type: 'string', enum: warningSeverities },
    areaId: id,
    ...pageQuerySchema,
  },
} as const
export type WarningFilter = Input<typeof warningListQuery>

const warningCore = {
  id: { type: 'integer' },
  kind: { type: 'string', enum: warningKinds },
  severity: { type: 'string', enum: warningSeverities },
  state: { type: 'string', enum: warningStates },
  window: { type: 'string', enum: warningWindows },
  period: { type: 'string', format: 'date', description: 'The first local day of the period observed' },
  observed: {
    type: 'number',
    description: 'The count (spike, place, requester, dispute: people involved) or the recent rate',
  },
  expected: { ...nullable('number'), description: 'The baseline: predictive mean count, or the earlier rate' },
  threshold: {
    ...nullable('number'),
    description: 'The count at which the test flags (α-quantile, or the rule’s minimum)',
  },
  pValue: nullable('number'),
  z: nullable('number'),
  area: areaRef,
  category: orNull(namedRef),
  department: orNull(namedRef),
  raisedAt: timestamp,
  updatedAt: timestamp,
  caseId: nullable('integer'),
} as const
export const warningItemSchema = shape(warningCore)
export type WarningItem = Output<typeof warningItemSchema>
export const warningPageSchema = pageSchema(warningItemSchema)

const caseItem = shape({
  id: { type: 'integer' },
  trackingCode: { type: 'string' },
  state: { type: 'string' },
  submittedAt: timestamp,
  description: { type: 'string', description: 'The first 200 characters' },
  address: nullable('string'),
  categoryZh: { type: 'string' },
  categoryEn: { type: 'string' },
})

export const warningDetailSchema = shape({
  ...warningCore,
  version: { type: 'integer' },
  evidence: shape({
    caseIds: { type: 'array', items: { type: 'integer' } },
    place: orNull(shape({ lng: { type: 'number' }, lat: { type: 'number' }, radiusMetres: { type: 'number' } })),
    maskedPhone: nullable('string'),
    recentRated: nullable('integer'),
    baselineRated: nullable('integer'),
    historySum: nullable('integer'),
    historyPeriods: nullable('integer'),
    alpha: nullable('number'),
  }),
  series: {
    type: 'array',
    description:
      'Spikes: the count per day (window day: the same weekday over the history and the period) or per week, oldest first; baseline marks the history periods',
    items: shape({
      start: { type: 'string', format: 'date' },
      count: { type: 'integer' },
      baseline: { type: 'boolean' },
    }),
  },
  cases: { type: 'array', items: caseItem, description: 'The cases named as evidence that you may read' },
  dispute: orNull(
    shape({
      id: { type: 'integer' },
      reference: { type: 'string' },
      riskLevel: { type: 'string' },
      state: { type: 'string' },
    }),
  ),
  case: orNull(shape({ id: { type: 'integer' }, trackingCode: { type: 'string' }, state: { type: 'string' } })),
  acknowledgedAt: { ...timestamp, type: ['string', 'null'] },
  acknowledgedBy: nullable('string'),
  closedAt: { ...timestamp, type: ['string', 'null'] },
  closedBy: nullable('string'),
  closeNote: nullable('string'),
  can: shape({ acknowledge: { type: 'boolean' }, close: { type: 'boolean' }, proactiveCase: { type: 'boolean' } }),
})
export type WarningDetail = Output<typeof warningDetailSchema>

export const closeBody = {
  type: 'object',
  required: ['note'],
  additionalProperties: false,
  properties: { note: text(1000), version: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const
export const acknowledgeBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { version: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const
export const proactiveCaseBody = {
  type: 'object',
  required: ['description'],
  additionalProperties: false,
  properties: {
    description: text(4000),
    categoryId: { ...id, description: 'Defaults to the warning’s category' },
    gridId: { ...id, description: 'Defaults to the warning’s grid' },
    location: { ...point, description: 'Defaults to the place of a repeated-place warning' },
    address: { ...text(300), description: 'Needed when the case has no location' },
  },
} as const
export type ProactiveCaseInput = Input<typeof proactiveCaseBody>

interface WarningRow {
  id: number
  kind: WarningKind
  severity: WarningSeverity
  state: (typeof warningStates)[number]
  time_window: (typeof warningWindows)[number]
  period: string
  observed: number
  expected: number | null
  threshold: number | null
  p_value: number | null
  z: number | null
  area_id: number
  area_code: string
  area_level: string
  area_path: string
  area_name_zh: string
  area_name_en: string
  category_id: number | null
  category_code: string | null
  category_name_zh: string | null
  category_name_en: string | null
  department_id: number | null
  department_code: string | null
  department_name_zh: string | null
  department_name_en: string | null
  raised_at: Date
  updated_at: Date
  case_id: number | null
}

const warningSelect = sql`
  select w.id, w.kind, w.severity, w.state, w.time_window, w.period::text as period, w.observed, w.expected,
         w.threshold, w.p_value, w.z, w.raised_at, w.updated_at, w.case_id, w.version,
         a.id as area_id, a.code as area_code, a.level as area_level, a.path as area_path, a.name_zh as area_name_zh,
         a.name_en as area_name_en, cc.id as category_id, cc.code as category_code, cc.name_zh as category_name_zh,
         cc.name_en as category_name_en, d.id as department_id, d.code as department_code,
         d.name_zh as department_name_zh, d.name_en as department_name_en
  from warning w
  join area a on a.id = w.area_id
  left join case_category cc on cc.id = w.category_id
  left join department d on d.id = w.department_id`

const iso = (d: Date | string) => new Date(d).toISOString()
const num = (v: number | string | null) => (v === null ? null : Number(v))

function presentItem(r: WarningRow): WarningItem {
  return {
    id: Number(r.id),
    kind: r.kind,
    severity: r.severity,
    state: r.state,
    window: r.time_window,
    period: dayOf(r.period),
    observed: Number(r.observed),
    expected: num(r.expected),
    threshold: num(r.threshold),
    pValue: num(r.p_value),
    z: num(r.z),
    area: { id: r.area_id, code: r.area_code, level: r.area_level, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    category:
      r.category_id === null
        ? null
        : { id: r.category_id, code: r.category_code!, nameZh: r.category_name_zh!, nameEn: r.category_name_en! },
    department:
      r.department_id === null
        ? null
        : {
            id: r.department_id,
            code: r.department_code!,
            nameZh: r.department_name_zh!,
            nameEn: r.department_name_en!,
          },
    raisedAt: iso(r.raised_at),
    updatedAt: iso(r.updated_at),
    caseId: num(r.case_id),
  }
}

const severityRank = sql`case w.severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end`

/** The warnings inbox: warnings of the caller's areas (row-level security), newest first. */
export async function listWarnings(tx: Tx, ctx: RequestContext, f: WarningFilter) {
  requireActor(ctx)
  let areaPath: string | null = null
  if (f.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', f.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${f.areaId}`, 'areaId')
    areaPath = a.path
  }
  const states: string[] | null =
    f.state === 'all' ? null : f.state === 'live' || f.state === undefined ? ['open', 'acknowledged'] : [f.state]
  const where = sql`
    where (${states}::text[] is null or w.state = any(${states}::text[]))
      and (${f.kind ?? null}::text is null or w.kind = ${f.kind ?? null})
      and (${f.severity ?? null}::text is null or w.severity = ${f.severity ?? null})
      and (${areaPath}::text is null or a.path like ${`${areaPath ?? ''}%`})`
  const page = { page: f.page ?? 1, pageSize: f.pageSize ?? 50 }
  const { rows } = await sql<WarningRow>`${warningSelect} ${where}
    order by w.raised_at desc, ${severityRank} desc, w.id desc limit ${page.pageSize} offset ${offsetOf(page)}`.execute(
    tx,
  )
  const counted = await sql<{ n: string }>`
    select count(*) as n from warning w join area a on a.id = w.area_id ${where}`.execute(tx)
  return paginate(page, rows.map(presentItem), Number(counted.rows[0]!.n))
}

async function loadWarning(tx: Tx, warningId: number, lock = false): Promise<WarningRow & { version: number }> {
  const { rows } = await sql<WarningRow & { version: number }>`
    ${warningSelect}
    where w.id = ${warningId} ${lock ? sql`for update of w` : sql``}`.execute(tx)
  if (!rows[0]) throw notFound('WARNING_NOT_FOUND', `warning ${warningId}`, 'id')
  return rows[0]
}

const mayHandle = (ctx: RequestContext, areaPath: string) => holds(ctx.actor, warningKeepers, areaPath)

/** The counts behind a spike: the period and its history from the rollup, oldest first. */
async function spikeSeries(tx: Tx, w: WarningRow) {
  if (w.kind !== 'spike' || w.category_id === null) return []
  const weeks = warningSettings.historyWeeks
  const { rows } = await sql<{ start: string; count: number; baseline: boolean }>`
    with periods as (
      select (${w.period}::date - 7 * k)::date as start, k > 0 as baseline
      from generate_series(0, ${weeks}::int) k
    )
    select p.start::text as start, p.baseline,
      (select coalesce(sum(r.total), 0)::int from case_rollup_live r
        where r.area_id = ${w.area_id} and r.own and r.category_id = ${w.category_id}
          and r.day >= p.start and r.day < p.start + ${w.time_window === 'day' ? 1 : 7}::int) as count
    from periods p order by p.start`.execute(tx)
  return rows.map((r) => ({ start: dayOf(r.start), count: Number(r.count), baseline: r.baseline }))
}

export async function warningDetail(tx: Tx, ctx: RequestContext, warningId: number): Promise<WarningDetail> {
  requireActor(ctx)
  const w = await loadWarning(tx, warningId)
  const extra = await sql<{
    evidence: Evidence
    version: number
    acknowledged_at: Date | null
    acknowledged_by: string | null
    closed_at: Date | null
    closed_by: string | null
    close_note: string | null
  }>`
    select w.evidence, w.version, w.acknowledged_at, ack.display_name as acknowledged_by, w.closed_at,
           cl.display_name as closed_by, w.close_note
    from warning w left join app_user ack on ack.id = w.acknowledged_by left join app_user cl on cl.id = w.closed_by
    where w.id = ${warningId}`.execute(tx)
  const x = extra.rows[0]!
  const ev = x.evidence
  const caseIds = (ev.caseIds ?? []).map(Number)
  // Only the cases the caller may read (row-level security on cases) are listed.
  const cases = caseIds.length
    ? (
        await sql<{
          id: number
          tracking_code: string
          state: string
          submitted_at: Date
          description: string
          address: string | null
          name_zh: string
          name_en: string
        }>`
          select c.id, c.tracking_code, c.state, c.submitted_at, left(c.description, 200) as description, c.address,
                 cc.name_zh, cc.name_en
          from cases c join case_category cc on cc.id = c.category_id
          where c.id = any(${caseIds}::bigint[]) order by c.submitted_at, c.id`.execute(tx)
      ).rows
    : []
  const dispute =
    ev.disputeId === undefined
      ? null
      : ((
          await sql<{ id: number; reference: string; risk_level: string; state: string }>`
            select id, reference, risk_level, state from dispute where id = ${ev.disputeId}`.execute(tx)
        ).rows[0] ?? null)
  const linked =
    w.case_id === null
      ? null
      : ((
          await sql<{ id: number; tracking_code: string; state: string }>`
            select id, tracking_code, state from cases where id = ${w.case_id}`.execute(tx)
        ).rows[0] ?? null)
  const handle = mayHandle(ctx, w.area_path)
  return {
    ...presentItem(w),
    version: x.version,
    evidence: {
      caseIds,
      place: ev.place ?? null,
      maskedPhone: ev.maskedPhone ?? null,
      recentRated: ev.recentRated ?? null,
      baselineRated: ev.baselineRated ?? null,
      historySum: ev.historySum ?? null,
      historyPeriods: ev.historyPeriods ?? null,
      alpha: ev.alpha ?? null,
    },
    series: await spikeSeries(tx, w),
    cases: cases.map((c) => ({
      id: Number(c.id),
      trackingCode: c.tracking_code,
      state: c.state,
      submittedAt: iso(c.submitted_at),
      description: c.description,
      address: c.address,
      categoryZh: c.name_zh,
      categoryEn: c.name_en,
    })),
    dispute: dispute
      ? { id: Number(dispute.id), reference: dispute.reference, riskLevel: dispute.risk_level, state: dispute.state }
      : null,
    case: linked ? { id: Number(linked.id), trackingCode: linked.tracking_code, state: linked.state } : null,
    acknowledgedAt: x.acknowledged_at ? iso(x.acknowledged_at) : null,
    acknowledgedBy: x.acknowledged_by,
    closedAt: x.closed_at ? iso(x.closed_at) : null,
    closedBy: x.closed_by,
    closeNote: x.close_note,
    can: {
      acknowledge: handle && w.state === 'open',
      close: handle && w.state !== 'closed',
      proactiveCase: handle && w.state !== 'closed' && w.case_id === null,
    },
  }
}

function illegal(w: { state: string }, action: string) {
  return new AppError(
    'WARNING_ILLEGAL_TRANSITION',
    `a warning in state ${w.state} cannot be ${action}`,
    'state',
    {},
    { state: w.state },
  )
}

async function handled(tx: Tx, ctx: RequestContext, warningId: number, version: number | undefined) {
  const w = await loadWarning(tx, warningId, true)
  if (!mayHandle(ctx, w.area_path))
    throw new AppError('FORBIDDEN', 'requires the admin, leader or staff role over the warning’s area', 'id')
  if (version !== undefined && version !== w.version)
    throw new AppError(
      'WARNING_VERSION_CONFLICT',
      `the warning changed meanwhile (version ${w.version})`,
      'version',
      {},
      {
        version: w.version,
      },
    )
  return w
}

export async function acknowledgeWarning(
  tx: Tx,
  ctx: RequestContext,
  warningId: number,
  version: number | undefined,
  now: Date,
) {
  const actor = requireActor(ctx)
  const w = await handled(tx, ctx, warningId, version)
  if (w.state !== 'open') throw illegal(w, 'acknowledged')
  await tx
    .updateTable('warning')
    .set({ state: 'acknowledged', acknowledged_at: now, acknowledged_by: actor.userId, updated_at: now })
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', w.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'warning.acknowledge',
    entityType: 'warning',
    entityId: w.id,
    areaId: w.area_id,
  })
}

export async function closeWarning(
  tx: Tx,
  ctx: RequestContext,
  warningId: number,
  input: Input<typeof closeBody>,
  now: Date,
) {
  const actor = requireActor(ctx)
  const note = input.note.trim()
  if (!note) throw new AppError('VALIDATION_FAILED', 'a note saying what was done is required', 'note')
  const w = await handled(tx, ctx, warningId, input.version)
  if (w.state === 'closed') throw illegal(w, 'closed')
  await tx
    .updateTable('warning')
    .set({
      state: 'closed',
      closed_at: now,
      closed_by: actor.userId,
      close_note: note,
      updated_at: now,
      // Closing an open warning acknowledges it too: whoever closed it has seen it.
      ...(w.state === 'open' ? { acknowledged_at: now, acknowledged_by: actor.userId } : {}),
    })
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', w.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'warning.close',
    entityType: 'warning',
    entityId: w.id,
    areaId: w.area_id,
    detail: { note },
  })
}

/**
 * Starts a proactive case (channel 'proactive', 未诉先办) from a warning through intake, in this
 * request's transaction, and links it. Idempotent: the warning is locked first, and one that has
 * a case answers with it without filing another.
 */
export async function proactiveCase(
  tx: Tx,
  ctx: RequestContext,
  warningId: number,
  input: ProactiveCaseInput,
  now: Date,
  cipher: FieldCipher,
): Promise<number> {
  const w = await handled(tx, ctx, warningId, undefined)
  if (w.case_id !== null) return Number(w.case_id)
  if (w.state === 'closed') throw illegal(w, 'given a case')
  const categoryId = input.categoryId ?? w.category_id
  if (categoryId === null || categoryId === undefined)
    throw new AppError('VALIDATION_FAILED', 'this warning names no category: give categoryId', 'categoryId')
  const evidence = (await tx.selectFrom('warning').select('evidence').where('id', '=', w.id).executeTakeFirstOrThrow())
    .evidence as Evidence
  const location = input.location ?? (evidence.place ? { lng: evidence.place.lng, lat: evidence.place.lat } : undefined)
  const gridId = input.gridId ?? (w.area_level === 'grid' ? w.area_id : undefined)
  if (!location && gridId === undefined)
    throw new AppError('VALIDATION_FAILED', 'this warning is not about one grid: give gridId or location', 'gridId')
  if (gridId !== undefined && !location) {
    const g = await tx.selectFrom('area').select('path').where('id', '=', gridId).executeTakeFirst()
    if (!g) throw notFound('AREA_NOT_FOUND', `area ${gridId}`, 'gridId')
    if (!g.path.startsWith(w.area_path) && !w.area_path.startsWith(g.path))
      throw new AppError('VALIDATION_FAILED', 'gridId must be a grid of the warning’s area', 'gridId')
  }
  const created = await createCase(
    tx,
    ctx,
    {
      categoryId,
      description: input.description,
      ...(location ? { location } : { areaId: gridId, address: input.address ?? w.area_name_zh }),
      ...(location && input.address ? { address: input.address } : {}),
    },
    now,
    { cipher, channel: 'proactive' },
  )
  await tx
    .updateTable('warning')
    .set({ case_id: created.id, updated_at: now })
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', w.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'warning.case',
    entityType: 'warning',
    entityId: w.id,
    areaId: w.area_id,
    detail: { caseId: created.id, trackingCode: created.trackingCode },
  })
  return created.id
}

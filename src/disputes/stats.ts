import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { areaPathOf } from '../jurisdiction/service.js'
import type { Input, Output } from '../core/http.js'
import { date, id, nullable, shape } from '../core/schemas.js'

// Dispute and petition statistics over the disputes registered (and petitions received) in a
// window, within the caller's areas (row-level security) or one area's subtree. Definitions are
// in docs/mediation.md#statistics.

export const disputeStatsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: { from: date, to: { ...date, description: 'Inclusive' }, areaId: id },
} as const
export type DisputeStatsQuery = Input<typeof disputeStatsQuery>

const counts = { type: 'array', items: shape({ key: { type: 'string' }, count: { type: 'integer' } }) } as const
const rate = { ...nullable('number'), description: 'A share between 0 and 1; null when its denominator is 0' } as const

export const disputeStatsSchema = shape({
  from: { type: 'string' },
  to: { type: 'string' },
  total: { type: 'integer' },
  byCategory: counts,
  bySource: counts,
  byLevel: {
    ...counts,
    description: 'The mediation level a dispute is at now (or ended at); "none" before assignment',
  },
  byOutcome: { ...counts, description: 'settled, judicial, withdrawn, unsettled, or "open"' },
  byRisk: counts,
  byArea: {
    type: 'array',
    items: shape({
      areaId: { type: 'integer' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      count: { type: 'integer' },
      settled: { type: 'integer' },
    }),
  },
  concluded: { type: 'integer', description: 'Disputes with an outcome' },
  settled: { type: 'integer', description: 'Settled by agreement at any level (judicial mediation included)' },
  settlementRate: rate,
  settledInCommunity: { type: 'integer' },
  settledInStreet: { type: 'integer' },
  communityShare: { ...rate, description: '小事不出村: settled by a community committee ÷ settled' },
  communityOrStreetShare: { ...rate, description: '大事不出镇: settled by a community or street committee ÷ settled' },
  averageDaysToSettle: nullable('number'),
  agreements: shape({
    effective: { type: 'integer' },
    performed: { type: 'integer' },
    broken: { type: 'integer' },
    performanceRate: rate,
  }),
  judicial: shape({ applied: { type: 'integer' }, confirmed: { type: 'integer' }, refused: { type: 'integer' } }),
  openHighRisk: { type: 'integer', description: 'Open disputes at high or urgent risk now (any registration date)' },
  petitions: shape({
    received: { type: 'integer' },
    decided: { type: 'integer' },
    decidedOnTime: { type: 'integer' },
    answered: { type: 'integer' },
    answeredOnTime: { type: 'integer' },
    onTimeRate: { ...rate, description: 'Answered within the limit (extension included) ÷ answered' },
    extended: { type: 'integer' },
    reviewRequested: { type: 'integer' },
    overdueOpen: { type: 'integer', description: 'Open petitions past their limit now' },
    repeated: { type: 'integer', description: 'Petitions that repeat an earlier one' },
  }),
})
export type DisputeStats = Output<typeof disputeStatsSchema>

const share = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10000) / 10000)

export async function disputeStats(tx: Tx, q: DisputeStatsQuery, now: Date): Promise<DisputeStats> {
  if (q.to < q.from) throw new AppError('VALIDATION_FAILED', 'to is before from', 'to')
  // The areas of the subtree, resolved first: a literal list the planner hashes (a sub-select on
  // area was estimated at one row and joined in a nested loop, a scan of area per dispute).
  let areaIds: string | null = null
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    const ids = await tx.selectFrom('area').select('id').where('path', 'like', `${path}%`).execute()
    areaIds = ids.map((r) => String(Math.trunc(Number(r.id)))).join(',')
  }
  const inArea = (column: string) => (areaIds === null ? sql`true` : sql`${sql.ref(column)} in (${sql.raw(areaIds)})`)
  const window = sql`d.registered_at >= ${q.from}::date and d.registered_at < ${q.to}::date + 1 and ${inArea('d.area_id')}`
  // One scan of the window's disputes: each breakdown is a grouping set, the totals are the empty one.
  const { rows: sets } = await sql<{
    dim: number
    category: string | null
    source: string | null
    level: string | null
    outcome: string | null
    risk_level: string | null
    area_id: number | null
    total: number
    concluded: number
    settled: number
    community: number
    street: number
    avg_days: number | null
    effective: number
    performed: number
    broken: number
    applied: number
    confirmed: number
    refused: number
  }>`
    select grouping(d.category, d.source, d.level, d.outcome, d.risk_level, d.area_id) as dim,
           d.category, d.source, d.level, d.outcome, d.risk_level, d.area_id,
           count(*)::int as total,
           count(*) filter (where d.outcome is not null)::int as concluded,
           count(*) filter (where d.settled_level is not null)::int as settled,
           count(*) filter (where d.settled_level = 'community')::int as community,
           count(*) filter (where d.settled_level = 'street')::int as street,
           avg(extract(epoch from d.settled_at - d.registered_at) / 86400)
             filter (where d.settled_level is not null)::float8 as avg_days,
           count(*) filter (where d.agreement_status is not null)::int as effective,
           count(*) filter (where d.agreement_status = 'performed')::int as performed,
           count(*) filter (where d.agreement_status = 'broken')::int as broken,
           count(*) filter (where d.judicial_status is not null)::int as applied,
           count(*) filter (where d.judicial_status = 'confirmed')::int as confirmed,
           count(*) filter (where d.judicial_status = 'refused')::int as refused
    from dispute d where ${window}
    group by grouping sets ((d.category), (d.source), (d.level), (d.outcome), (d.risk_level), (d.area_id), ())`.execute(
    tx,
  )
  // grouping() sets a bit per column left out, the first column the highest: 0b011111 is by category.
  const all = 0b111111
  const setOf = (bit: number) => sets.filter((r) => r.dim === (all & ~(1 << bit)))
  const counted = (bit: number, key: 'category' | 'source' | 'level' | 'outcome' | 'risk_level', none: string) =>
    setOf(bit)
      .map((r) => ({ key: r[key] ?? none, count: r.total }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const t = sets.find((r) => r.dim === all) ?? {
    total: 0,
    concluded: 0,
    settled: 0,
    community: 0,
    street: 0,
    avg_days: null,
    effective: 0,
    performed: 0,
    broken: 0,
    applied: 0,
    confirmed: 0,
    refused: 0,
  }
  // Grids and communities up to their community (the level the register reports by).
  const byGrid = setOf(0)
  const { rows: communities } = byGrid.length
    ? await sql<{ area_id: number; id: number; name_zh: string; name_en: string }>`
        select a.id as area_id, c.id, c.name_zh, c.name_en from area a
        join area c on a.path like c.path || '%' and c.level = 'community'
        where a.id in (${sql.join(byGrid.map((r) => r.area_id!))})`.execute(tx)
    : { rows: [] }
  const areaTotals = new Map<
    number,
    { areaId: number; nameZh: string; nameEn: string; count: number; settled: number }
  >()
  for (const r of byGrid) {
    const c = communities.find((x) => x.area_id === r.area_id)
    if (!c) continue
    const a = areaTotals.get(c.id) ?? { areaId: c.id, nameZh: c.name_zh, nameEn: c.name_en, count: 0, settled: 0 }
    a.count += r.total
    a.settled += r.settled
    areaTotals.set(c.id, a)
  }
  const g = t
  const { rows: risk } = await sql<{ n: number }>`
    select count(*)::int as n from dispute d
    where d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')
      and d.risk_level in ('high', 'urgent')
      and ${inArea('d.area_id')}`.execute(tx)
  const { rows: petitions } = await sql<{
    received: number
    decided: number
    decided_on_time: number
    answered: number
    answered_on_time: number
    extended: number
    review_requested: number
    overdue_open: number
    repeated: number
  }>`
    select count(*)::int as received,
           count(*) filter (where p.decided_at is not null)::int as decided,
           count(*) filter (where p.decided_at <= p.decide_due_at)::int as decided_on_time,
           count(*) filter (where p.answered_at is not null)::int as answered,
           count(*) filter (where p.answered_at <= p.answer_due_at)::int as answered_on_time,
           count(*) filter (where p.extended_days is not null)::int as extended,
           count(*) filter (where p.review_requested_at is not null)::int as review_requested,
           count(*) filter (where (p.state = 'received' and p.decide_due_at <= ${now})
                              or (p.state = 'accepted' and p.answer_due_at <= ${now})
                              or (p.state = 'review_requested' and p.review_due_at <= ${now}))::int as overdue_open,
           count(*) filter (where p.repeat_of_id is not null)::int as repeated
    from petition p
    where p.received_at >= ${q.from}::date and p.received_at < ${q.to}::date + 1
      and ${inArea('p.area_id')}`.execute(tx)
  const p = petitions[0]!
  return {
    from: q.from,
    to: q.to,
    total: t.total,
    byCategory: counted(5, 'category', 'none'),
    bySource: counted(4, 'source', 'none'),
    byLevel: counted(3, 'level', 'none'),
    byOutcome: counted(2, 'outcome', 'open'),
    byRisk: counted(1, 'risk_level', 'none'),
    byArea: [...areaTotals.values()].sort((a, b) => b.count - a.count || a.areaId - b.areaId).slice(0, 100),
    concluded: t.concluded,
    settled: t.settled,
    settlementRate: share(t.settled, t.concluded),
    settledInCommunity: t.community,
    settledInStreet: t.street,
    communityShare: share(t.community, t.settled),
    communityOrStreetShare: share(t.community + t.street, t.settled),
    averageDaysToSettle: t.avg_days === null ? null : Math.round(t.avg_days * 10) / 10,
    agreements: {
      effective: g.effective,
      performed: g.performed,
      broken: g.broken,
      performanceRate: share(g.performed, g.performed + g.broken),
    },
    judicial: { applied: g.applied, confirmed: g.confirmed, refused: g.refused },
    openHighRisk: risk[0]!.n,
    petitions: {
      received: p.received,
      decided: p.decided,
      decidedOnTime: p.decided_on_time,
      answered: p.answered,
      answeredOnTime: p.answered_on_time,
      onTimeRate: share(p.answered_on_time, p.answered),
      extended: p.extended,
      reviewRequested: p.review_requested,
      overdueOpen: p.overdue_open,
      repeated: p.repeated,
    },
  }
}

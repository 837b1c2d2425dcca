import { sql } from 'kysely'
import { mulberry32, type Random } from '../../src/core/random.js'
import { detectWarnings, warningSettings } from '../../src/analytics/warnings.js'
import type { Measurement, Section } from '../lib/types.js'

// Early warning (issue 16 item 4): the spike detector's precision and recall on planted spikes,
// and its run time. In the baseline process (direct database access) a history is generated after
// the generator's data (so nothing else counts in those days): per grid × category a base rate λ
// (1, 2, 4 or 8 a day), weekly seasonality (busier on Mondays, quieter at weekends), Poisson counts
// per day over 8 weeks of history and a 4-week evaluation window, in which spikes of 3× the
// baseline (2λ extra cases on top of the day's Poisson count) are planted in random
// grid × category × days. The detector then runs once at the end of every evaluation day, as the
// hourly job would at 23:30, and each day-window spike warning is matched against the plants.
// Its run time is also measured once over the generator's whole data at its last day.

const GRIDS = { smoke: 8, quick: 20, full: 30 }
const CATEGORIES = 5
const HISTORY_DAYS = 56
const EVAL_DAYS = 28
const SPIKES = { smoke: 20, quick: 60, full: 90 }
const RATES = [1, 2, 4, 8]
// Monday … Sunday.
const SEASON = [1.25, 1.1, 1.0, 1.0, 1.05, 0.85, 0.75]

function poisson(rnd: Random, lambda: number): number {
  let k = 0
  let p = Math.exp(-lambda)
  let s = p
  const u = rnd()
  while (u > s && k < 1000) {
    k++
    p *= lambda / k
    s += p
  }
  return k
}

interface Result {
  grids: number
  categories: number
  casesPlanted: number
  planted: number
  dayWarnings: number
  truePositives: number
  detected: number
  byRate: Record<string, { planted: number; detected: number }>
  weekWarnings: number
  weekTrue: number
  runMs: number[]
  fullRunMs: number
  fullRunRaised: number
  fullRunByKind: Record<string, number>
  tests: number
}

const ymd = (d: Date) => d.toISOString().slice(0, 10)

export const warnings: Section<Result> = {
  name: 'warnings',
  description:
    'spike detection on planted spikes of 3× the baseline (Poisson history with weekly seasonality): precision, recall, the detector’s run time',
  baselineRoutes(app, database, data) {
    const db = database.db
    app.post('/baseline/warnings/run', async (req) => {
      const q = req.query as { grids: string; spikes: string }
      const rnd = mulberry32(20261207)
      // The run time over the generator's data first, before anything is added: every kind.
      const full = await detectWarnings(db, new Date(data.until))
      const { rows: g } = await sql<{ id: number; path: string }>`
        select id, path from area where level = 'grid' and retired_at is null order by id limit ${Number(q.grids)}`.execute(
        db,
      )
      const grids = g.map((r) => ({ id: Number(r.id), district: Number(r.path.split('/').filter(Boolean)[1]) }))
      const cats = data.categories.slice(0, CATEGORIES).map((c) => c.id)
      // Day 0 of the history: a Monday well after the generator's last case (midnight in Shanghai).
      const start = new Date(Date.parse(data.until) + 30 * 86_400_000)
      start.setUTCHours(0, 0, 0, 0)
      while (start.getUTCDay() !== 1) start.setUTCDate(start.getUTCDate() + 1)
      start.setTime(start.getTime() - 8 * 3600_000)
      const days = HISTORY_DAYS + EVAL_DAYS
      const rate = new Map<string, number>()
      for (const gr of grids) for (const c of cats) rate.set(`${gr.id}|${c}`, RATES[Math.floor(rnd() * RATES.length)]!)
      // The plants: distinct grid × category × evaluation days.
      const plants = new Map<string, number>()
      while (plants.size < Number(q.spikes)) {
        const gr = grids[Math.floor(rnd() * grids.length)]!
        const c = cats[Math.floor(rnd() * cats.length)]!
        const d = HISTORY_DAYS + Math.floor(rnd() * EVAL_DAYS)
        plants.set(`${gr.id}|${c}|${d}`, rate.get(`${gr.id}|${c}`)!)
      }
      const area: number[] = []
      const district: number[] = []
      const category: number[] = []
      const at: string[] = []
      for (const gr of grids)
        for (const c of cats)
          for (let d = 0; d < days; d++) {
            const lambda = rate.get(`${gr.id}|${c}`)! * SEASON[d % 7]!
            let n = poisson(rnd, lambda)
            if (plants.has(`${gr.id}|${c}|${d}`)) n += Math.round(2 * lambda)
            for (let i = 0; i < n; i++) {
              area.push(gr.id)
              district.push(gr.district)
              category.push(c)
              // Between 08:00 and 20:00 local.
              at.push(new Date(start.getTime() + d * 86_400_000 + (8 + rnd() * 12) * 3600_000).toISOString())
            }
          }
      for (let i = 0; i < area.length; i += 20_000)
        await sql`
          insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description,
                             submitted_at, response_due_at, updated_at)
          select 'BW-' || (${i}::int + o), c, a, d, 'hotline', 'submitted', '预警基准', t, t + interval '4 hours', t
          from unnest(${area.slice(i, i + 20_000)}::int[], ${district.slice(i, i + 20_000)}::int[],
                      ${category.slice(i, i + 20_000)}::int[], ${at.slice(i, i + 20_000)}::timestamptz[])
               with ordinality as x(a, d, c, t, o)`.execute(db)
      const runMs: number[] = []
      for (let d = HISTORY_DAYS; d < days; d++) {
        // 23:30 local on day d.
        const now = new Date(start.getTime() + d * 86_400_000 + 23.5 * 3600_000)
        runMs.push((await detectWarnings(db, now, { kinds: ['spike'] })).milliseconds)
      }
      const from = ymd(new Date(start.getTime() + 8 * 3600_000 + HISTORY_DAYS * 86_400_000))
      const { rows } = await sql<{ area_id: number; category_id: number; time_window: string; period: string }>`
        select area_id, category_id, time_window, period::text as period from warning
        where kind = 'spike' and period >= ${from}::date and area_id = any(${grids.map((x) => x.id)}::int[])
          and category_id = any(${cats}::int[])`.execute(db)
      const dayIndex = (period: string) =>
        Math.round((Date.parse(`${period}T00:00:00Z`) - (start.getTime() + 8 * 3600_000)) / 86_400_000)
      const dayRows = rows.filter((r) => r.time_window === 'day')
      const hit = new Set<string>()
      let tp = 0
      for (const r of dayRows) {
        const key = `${r.area_id}|${r.category_id}|${dayIndex(String(r.period).slice(0, 10))}`
        if (plants.has(key)) {
          tp++
          hit.add(key)
        }
      }
      const byRate: Record<string, { planted: number; detected: number }> = {}
      for (const [key, lambda] of plants) {
        const band = `λ=${lambda}`
        byRate[band] ??= { planted: 0, detected: 0 }
        const b = byRate[band]
        b.planted++
        if (hit.has(key)) b.detected++
      }
      // A week warning is true when its week holds a planted day of the pair.
      const weekRows = rows.filter((r) => r.time_window === 'week')
      const weekTrue = weekRows.filter((r) => {
        const first = dayIndex(String(r.period).slice(0, 10))
        for (let d = first; d < first + 7; d++) if (plants.has(`${r.area_id}|${r.category_id}|${d}`)) return true
        return false
      }).length
      return {
        grids: grids.length,
        categories: cats.length,
        casesPlanted: area.length,
        planted: plants.size,
        dayWarnings: dayRows.length,
        truePositives: tp,
        detected: hit.size,
        byRate,
        weekWarnings: weekRows.length,
        weekTrue,
        runMs,
        fullRunMs: full.milliseconds,
        fullRunRaised: full.raised,
        fullRunByKind: full.msByKind,
        tests: grids.length * cats.length * EVAL_DAYS,
      } satisfies Result
    })
  },
  async baseline(ctx) {
    const r = await fetch(
      `${ctx.url}/baseline/warnings/run?grids=${GRIDS[ctx.profile.name]}&spikes=${SPIKES[ctx.profile.name]}`,
      { method: 'POST' },
    )
    if (!r.ok) throw new Error(`/baseline/warnings/run: ${r.status} ${await r.text()}`)
    return (await r.json()) as Result
  },
  async run(_ctx, b) {
    if (!b) return []
    const precision = b.dayWarnings ? b.truePositives / b.dayWarnings : null
    const recall = b.planted ? b.detected / b.planted : null
    const sorted = [...b.runMs].sort((x, y) => x - y)
    const median = sorted[Math.floor(sorted.length / 2)] ?? null
    const setting = `α = ${warningSettings.alpha} per grid × category × day, ${b.grids} grids × ${b.categories} categories × ${EVAL_DAYS} days (${b.tests} tests), ${b.planted} planted spikes, ${b.casesPlanted} cases`
    const out: Measurement[] = [
      {
        section: 'warnings',
        name: 'spike recall on planted 3× spikes (day window)',
        unit: 'ratio',
        value: recall,
        target: '≥ 0.9',
        met: recall !== null && recall >= 0.9,
        note: `${b.detected} of ${b.planted}; ${setting}`,
        detail: { byRate: b.byRate },
      },
      {
        section: 'warnings',
        name: 'spike precision (day window)',
        unit: 'ratio',
        value: precision,
        target: '≥ 0.8',
        met: precision !== null && precision >= 0.8,
        note: `${b.truePositives} of ${b.dayWarnings} day warnings at a planted spike`,
      },
      {
        section: 'warnings',
        name: 'week-window warnings at a week with a planted spike',
        unit: 'ratio',
        value: b.weekWarnings ? b.weekTrue / b.weekWarnings : null,
        note: `${b.weekTrue} of ${b.weekWarnings} week warnings`,
      },
      {
        section: 'warnings',
        name: 'detector run (spikes, median of the evaluation days)',
        unit: 'ms',
        value: median,
        detail: { max: sorted.at(-1) ?? null, runs: sorted.length },
      },
      {
        section: 'warnings',
        name: 'detector run (every kind, over the generator’s data)',
        unit: 'ms',
        value: b.fullRunMs,
        note: `${b.fullRunRaised} warnings raised at the generator's last day`,
        detail: { msByKind: b.fullRunByKind },
      },
    ]
    return out
  },
}

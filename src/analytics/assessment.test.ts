import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { evaluate, parseFormula } from './assessment-formula.js'
import { rankScores, rescore, type Kpi } from './assessment.js'

// KPI assessment on a hand-counted fixture. Period 2099-03 in Shanghai (UTC+8):
// [2099-02-28T16:00Z, 2099-03-31T16:00Z); the clock stands at 2099-04-10T02:00Z, so March has
// ended. The demo's history lies in 2026, so nothing else falls in the period. Satisfaction
// weights: the street 东湖 (JZ-QH-01) sets satisfied 1, basically satisfied 0.5, unsatisfied 0.
// Every case is of department QH-CG, submitted in March, handling deadline in March.
//
// 桂花 (JZ-QH-01-01, grid G01):
//   A1 rated satisfied, final reply by the deadline (on time)
//   A2 rated basically satisfied, reply after the deadline (late), failed verification once (rework 1)
//   A3 rated unsatisfied, on time, returned once on the way (return_count 1)
//   A4 closed, not rated (不参评), on time
//   A5 in progress, deadline 03-20 passed
// 柳岸 (JZ-QH-01-02, grid G01):
//   B1 rated satisfied, on time;  B2 rated satisfied, on time;  B3 closed late, not rated, reopened once
//
// The scheme (unit type community, area 东湖):
//   K1 onTimeClosureRate   weight 40, target 0.9, floor 0.5, higher, linear
//   K2 satisfactionRate    weight 30, target 1,   floor 0.6, higher, linear
//   K3 returnRate          weight 10, target 0,   floor 0.5, lower,  linear (the evaluation's figure)
//   K4 reworkRate          weight 20, target 0.2, floor 1,   lower,  step
//
// 桂花: total 5, closed 4 (A1–A4), on time 3 (A1 A3 A4) → onTimeClosureRate 3/4 = 0.75
//       rated 3: (1 + 0.5 + 0)/3 = 0.5 → satisfactionRate 0.5
//       due 5 (A1–A5), returned 1 (A3) → returnRate 1/5 = 0.2
//       reworked 1 (A2) of closed 4 → reworkRate 0.25
//   K1 100 × (0.75 − 0.5)/(0.9 − 0.5) = 62.5;  K2 (0.5 − 0.6)/0.4 < 0 → 0
//   K3 100 × (0.2 − 0.5)/(0 − 0.5) = 60;       K4 0.25 > 0.2 → 0
//   score (40·62.5 + 30·0 + 10·60 + 20·0)/100 = 3100/100 = 31.00
// 柳岸: total 3, closed 3, on time 2 → 2/3 = 0.6667 (the statistics' 4 decimals)
//       rated 2, both satisfied → 1;  due 3, returned 0 → 0;  reworked 1 (B3) of 3 → 0.3333
//   K1 100 × (0.6667 − 0.5)/0.4 = 41.675 → 41.68;  K2 (1 − 0.6)/0.4 = 1 → 100
//   K3 (0 − 0.5)/(0 − 0.5) = 1 → 100;               K4 0.3333 > 0.2 → 0
//   score (40·41.68 + 30·100 + 10·100 + 20·0)/100 = 5667.2/100 = 56.672 → 56.67
// Ranks: 柳岸 1, 桂花 2; the street's other communities have no case: no value, no score, no rank.

const kpis: Kpi[] = [
  {
    code: 'K1',
    nameZh: '按期结案率',
    nameEn: 'On-time closure',
    formula: 'onTimeClosureRate',
    weight: 40,
    target: 0.9,
    floor: 0.5,
    direction: 'higher',
    rule: 'linear',
  },
  {
    code: 'K2',
    nameZh: '满意率',
    nameEn: 'Satisfaction',
    formula: 'satisfactionRate',
    weight: 30,
    target: 1,
    floor: 0.6,
    direction: 'higher',
    rule: 'linear',
  },
  {
    code: 'K3',
    nameZh: '退单率',
    nameEn: 'Returns',
    formula: 'returnRate',
    weight: 10,
    target: 0,
    floor: 0.5,
    direction: 'lower',
    rule: 'linear',
  },
  {
    code: 'K4',
    nameZh: '返工率',
    nameEn: 'Rework',
    formula: 'reworkRate',
    weight: 20,
    target: 0.2,
    floor: 1,
    direction: 'lower',
    rule: 'step',
  },
]

const T = (md: string, hh = '02') => new Date(`2099-${md}T${hh}:00:00Z`)

interface Spec {
  key: string
  grid: string
  state: string
  handleDue: string
  replied?: string
  closed?: string
  rating?: 'satisfied' | 'basically_satisfied' | 'unsatisfied'
  notRated?: boolean
  rework?: number
  reopen?: number
  returns?: number
}

const fixture: Spec[] = [
  {
    key: 'A1',
    grid: 'JZ-QH-01-01-G01',
    state: 'rated',
    handleDue: '03-10',
    replied: '03-09',
    closed: '03-09',
    rating: 'satisfied',
  },
  {
    key: 'A2',
    grid: 'JZ-QH-01-01-G01',
    state: 'rated',
    handleDue: '03-10',
    replied: '03-12',
    closed: '03-13',
    rating: 'basically_satisfied',
    rework: 1,
  },
  {
    key: 'A3',
    grid: 'JZ-QH-01-01-G01',
    state: 'rated',
    handleDue: '03-15',
    replied: '03-14',
    closed: '03-14',
    rating: 'unsatisfied',
    returns: 1,
  },
  {
    key: 'A4',
    grid: 'JZ-QH-01-01-G01',
    state: 'closed',
    handleDue: '03-16',
    replied: '03-15',
    closed: '03-15',
    notRated: true,
  },
  { key: 'A5', grid: 'JZ-QH-01-01-G01', state: 'in_progress', handleDue: '03-20' },
  {
    key: 'B1',
    grid: 'JZ-QH-01-02-G01',
    state: 'rated',
    handleDue: '03-10',
    replied: '03-08',
    closed: '03-09',
    rating: 'satisfied',
  },
  {
    key: 'B2',
    grid: 'JZ-QH-01-02-G01',
    state: 'rated',
    handleDue: '03-11',
    replied: '03-10',
    closed: '03-10',
    rating: 'satisfied',
  },
  {
    key: 'B3',
    grid: 'JZ-QH-01-02-G01',
    state: 'closed',
    handleDue: '03-12',
    replied: '03-14',
    closed: '03-15',
    notRated: true,
    reopen: 1,
  },
]

describe('the KPI formula language', () => {
  it('parses figures, numbers, the four operations, parentheses, unary minus, min and max', () => {
    const f = parseFormula('max(0, min(1, (closedOnTime + 0.5 × shelved) ÷ (closed − 1))) * -(-2)')
    expect(evaluate(f, { 'stats.closedOnTime': 3, 'stats.shelved': 2, 'stats.closed': 5 })).toBe(2)
    // (3 + 1)/4 = 1 → min 1 → max 1 → × 2
  })
  it('is null on a null figure or a division by zero', () => {
    expect(evaluate(parseFormula('responseRate + 1'), { 'stats.responseRate': null })).toBeNull()
    expect(evaluate(parseFormula('closed / total'), { 'stats.closed': 1, 'stats.total': 0 })).toBeNull()
  })
  it('resolves bare names to the statistics first, then the evaluation', () => {
    expect(() => parseFormula('evaluation.closureRate + stats.closureRate + returnRate + dueCases')).not.toThrow()
    expect(() => parseFormula('score')).toThrow(/unknown figure 'score'/)
    expect(() => parseFormula('evaluation.score')).not.toThrow()
  })
  it('refuses what is not the language', () => {
    for (const bad of ['', '1 +', '(1', 'process.exit(1)', 'a; b', '1 ^ 2', 'min()', 'onTimeClosureRate 2', '$x'])
      expect(() => parseFormula(bad), bad).toThrow()
  })
  it('ranks equal scores together and unscored last', () => {
    expect(rankScores([{ score: 50 }, { score: null }, { score: 70 }, { score: 70 }]).map((r) => r.rank)).toEqual([
      1,
      1,
      3,
      null,
    ])
  })
})

describe.each(backends())('assessment on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  const t: Record<string, string> = {}
  let street: number
  const ids: Record<string, number> = {}

  const as = (who: string, method: string, url: string, body?: unknown) =>
    call(app, method as 'GET', url, { token: t[who], body })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2099-04-10T02:00:00Z')
    app = p.app
    const db = p.database.db
    const dept = await db.selectFrom('department').select('id').where('code', '=', 'QH-CG').executeTakeFirstOrThrow()
    const category = await db
      .selectFrom('case_category')
      .select('id')
      .where('code', '=', 'DL-03')
      .executeTakeFirstOrThrow()
    const district = await areaId(p, 'JZ-QH')
    street = await areaId(p, 'JZ-QH-01')
    await sql`insert into case_rules (area_id, rules, updated_at) values
      (${street}, ${JSON.stringify({ satisfactionWeights: { satisfied: 1, basicallySatisfied: 0.5, unsatisfied: 0 } })}::jsonb, now())
      on conflict (area_id) do update set rules = excluded.rules`.execute(db)
    for (const s of fixture) {
      const closed = s.closed ? T(s.closed) : null
      const row = await db
        .insertInto('cases')
        .values({
          tracking_code: `KPI-${s.key}`,
          category_id: category.id,
          area_id: await areaId(p, s.grid),
          district_id: district,
          channel: 'hotline',
          state: s.state,
          description: `assessment fixture ${s.key}`,
          department_id: dept.id,
          submitted_at: T('03-02'),
          response_due_at: T('03-02', '06'),
          responded_at: T('03-02', '03'),
          dispatched_at: T('03-02', '03'),
          contact_required: true,
          contact_due_at: T('03-03'),
          contacted_at: T('03-02', '04'),
          rateable: true,
          handle_due_at: T(s.handleDue, '10'),
          replied_at: s.replied ? T(s.replied) : null,
          closed_at: closed,
          rating_status: s.rating ? 'rated' : s.notRated ? 'not_rated' : null,
          rating: s.rating ?? null,
          solved: s.rating ? s.rating !== 'unsatisfied' : null,
          rated_at: s.rating ? closed : null,
          rework_count: s.rework ?? 0,
          reopen_count: s.reopen ?? 0,
          return_count: s.returns ?? 0,
          stage_due_at: s.state === 'in_progress' ? T(s.handleDue, '10') : null,
          updated_at: T('03-02'),
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[s.key] = Number(row.id)
    }
    for (const u of [
      'leader',
      'donghu.staff',
      'donghu.admin',
      'guihua.staff',
      'guihua.grid',
      'cuizhu.leader',
      'qh.handler',
    ])
      t[u] = await tokenFor(app, u)
  })
  afterAll(() => p?.close())

  const scheme = (over: Record<string, unknown> = {}) => ({
    areaId: street,
    unitType: 'community',
    nameZh: '东湖街道社区考核',
    nameEn: 'Donghu community assessment',
    kpis,
    ...over,
  })

  it('refuses an unknown figure naming kpis[i].formula and the figure, and weights that do not sum to 100', async () => {
    const unknown = await as('leader', 'POST', '/api/v1/assessments/schemes', {
      ...scheme(),
      kpis: [kpis[0], { ...kpis[1], formula: 'satisfactionRate * happiness' }, kpis[2], kpis[3]],
    })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error).toMatchObject({ code: 'ASSESSMENT_KPI_INVALID', field: 'kpis[1].formula' })
    expect(unknown.body.error.message).toContain('happiness')
    expect(unknown.body.error.details.figure).toBe('happiness')

    const weights = await as('leader', 'POST', '/api/v1/assessments/schemes', {
      ...scheme(),
      kpis: [kpis[0], kpis[1], kpis[2], { ...kpis[3], weight: 10 }],
    })
    expect(weights.status).toBe(422)
    expect(weights.body.error).toMatchObject({ code: 'ASSESSMENT_KPI_INVALID', field: 'kpis' })
    expect(weights.body.error.message).toContain('90')

    const direction = await as('leader', 'POST', '/api/v1/assessments/schemes', {
      ...scheme(),
      kpis: [{ ...kpis[0], floor: 0.95 }, kpis[1], kpis[2], kpis[3]],
    })
    expect(direction.body.error).toMatchObject({ code: 'ASSESSMENT_KPI_INVALID', field: 'kpis[0].floor' })

    // The editor's live check lists every problem at once and stores nothing.
    const check = await as('leader', 'POST', '/api/v1/assessments/schemes/check', {
      kpis: [
        { ...kpis[0], formula: 'foo +' },
        { ...kpis[1], formula: 'bar' },
      ],
    })
    expect(check.status).toBe(200)
    expect(check.body.valid).toBe(false)
    expect(check.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'kpis[0].formula',
      'kpis[1].formula',
      'kpis',
    ])
    const good = await as('leader', 'POST', '/api/v1/assessments/schemes/check', { kpis })
    expect(good.body).toEqual({
      valid: true,
      errors: [],
      figures: [
        ['stats.onTimeClosureRate'],
        ['stats.satisfactionRate'],
        ['evaluation.returnRate'],
        ['stats.reworkRate'],
      ],
    })
    // Only admins and leaders keep schemes.
    expect((await as('donghu.staff', 'POST', '/api/v1/assessments/schemes', scheme())).status).toBe(403)
  })

  let schemeId: number
  let runId: number
  let guihuaScore: number

  it('scores every community of the street from the statistics, as counted by hand, with the inputs beside', async () => {
    const made = await as('leader', 'POST', '/api/v1/assessments/schemes', scheme())
    expect(made.status).toBe(201)
    schemeId = made.body.id
    expect(made.body.version).toBe(1)

    const run = await as('leader', 'POST', '/api/v1/assessments/runs', { schemeId, period: '2099-03' })
    expect(run.status).toBe(201)
    runId = run.body.id
    expect(run.body).toMatchObject({
      schemeVersion: 1,
      period: '2099-03',
      from: '2099-02-28T16:00:00.000Z',
      to: '2099-03-31T16:00:00.000Z',
      asOf: '2099-04-10T02:00:00.000Z',
      provisional: false,
      publishedAt: null,
    })
    const scores = await as('leader', 'GET', `/api/v1/assessments/runs/${runId}/scores`)
    expect(scores.status).toBe(200)
    const byCode = Object.fromEntries(scores.body.items.map((s: { code: string }) => [s.code, s]))
    const guihua = byCode['JZ-QH-01-01']
    const liuan = byCode['JZ-QH-01-02']
    expect(guihua.inputs).toEqual({
      'stats.onTimeClosureRate': 0.75,
      'stats.satisfactionRate': 0.5,
      'evaluation.returnRate': 0.2,
      'stats.reworkRate': 0.25,
    })
    expect(guihua.kpis.map((k: { value: number; points: number }) => [k.value, k.points])).toEqual([
      [0.75, 62.5],
      [0.5, 0],
      [0.2, 60],
      [0.25, 0],
    ])
    expect(guihua.score).toBe(31)
    expect(liuan.inputs).toEqual({
      'stats.onTimeClosureRate': 0.6667,
      'stats.satisfactionRate': 1,
      'evaluation.returnRate': 0,
      'stats.reworkRate': 0.3333,
    })
    expect(liuan.kpis.map((k: { points: number }) => k.points)).toEqual([41.68, 100, 100, 0])
    expect(liuan.score).toBe(56.67)
    expect(scores.body.items[0].code).toBe('JZ-QH-01-02')
    expect([liuan.rank, guihua.rank]).toEqual([1, 2])
    // The street's other communities have no case: no score, no rank, listed after the ranked.
    for (const other of scores.body.items.slice(2)) expect([other.score, other.rank]).toEqual([null, null])
    guihuaScore = guihua.id

    // Every stored score is recomputed from its stored inputs and the run's scheme version.
    for (const s of scores.body.items) expect(rescore(kpis, s.inputs).score).toBe(s.score)
  })

  it('gives the same scores when the same period is scored again on the same data', async () => {
    const again = await as('leader', 'POST', '/api/v1/assessments/runs', { schemeId, period: '2099-03' })
    expect(again.status).toBe(201)
    const a = await as('leader', 'GET', `/api/v1/assessments/runs/${runId}/scores`)
    const b = await as('leader', 'GET', `/api/v1/assessments/runs/${again.body.id}/scores`)
    const strip = (items: Record<string, unknown>[]) => items.map(({ id: _i, runId: _r, ...rest }) => rest)
    expect(strip(b.body.items)).toEqual(strip(a.body.items))
  })

  it('scores departments and grid workers through the statistics grouped by department and by grid', async () => {
    const dept = await as('leader', 'POST', '/api/v1/assessments/schemes', {
      ...scheme({ unitType: 'department', nameZh: '部门考核', nameEn: 'Departments' }),
      kpis: [{ ...kpis[0], weight: 100 }],
    })
    const run = await as('leader', 'POST', '/api/v1/assessments/runs', { schemeId: dept.body.id, period: '2099-03' })
    const scores = await as('leader', 'GET', `/api/v1/assessments/runs/${run.body.id}/scores`)
    // QH-CG: closed 7 (all but A5), on time 5 (A1 A3 A4 B1 B2) → 0.7143 → (0.7143 − 0.5)/0.4 = 53.575 → 53.58
    expect(scores.body.items.map((s: { code: string; score: number }) => [s.code, s.score])).toEqual([['QH-CG', 53.58]])

    const grid = await as('leader', 'POST', '/api/v1/assessments/schemes', {
      ...scheme({ unitType: 'grid_worker', nameZh: '网格员考核', nameEn: 'Grid workers' }),
    })
    const gridRun = await as('leader', 'POST', '/api/v1/assessments/runs', {
      schemeId: grid.body.id,
      period: '2099-03',
    })
    const gridScores = await as('leader', 'GET', `/api/v1/assessments/runs/${gridRun.body.id}/scores`)
    const worker = gridScores.body.items.find((s: { code: string }) => s.code === 'guihua.grid')
    // guihua.grid works 桂花's G01, where all of 桂花's cases are: the same figures and score.
    expect(worker).toMatchObject({ unitAreaId: await areaId(p, 'JZ-QH-01-01-G01'), score: 31 })
  })

  it('marks a period not yet ended provisional and refuses to publish it; refuses a period not begun', async () => {
    const april = await as('leader', 'POST', '/api/v1/assessments/runs', { schemeId, period: '2099-04' })
    expect(april.status).toBe(201)
    expect(april.body.provisional).toBe(true)
    const publish = await as('leader', 'POST', `/api/v1/assessments/runs/${april.body.id}/publish`)
    expect(publish.status).toBe(409)
    expect(publish.body.error.code).toBe('ASSESSMENT_RUN_PROVISIONAL')
    const may = await as('leader', 'POST', '/api/v1/assessments/runs', { schemeId, period: '2099-05' })
    expect(may.status).toBe(422)
    expect(may.body.error).toMatchObject({ code: 'ASSESSMENT_PERIOD_NOT_STARTED', field: 'period' })
  })

  it('versions a scheme once it has scores; the runs keep naming theirs', async () => {
    const edited = await as('leader', 'PUT', `/api/v1/assessments/schemes/${schemeId}`, {
      version: 1,
      kpis: [{ ...kpis[0], weight: 50 }, { ...kpis[1], weight: 20 }, kpis[2], kpis[3]],
    })
    expect(edited.status).toBe(200)
    expect(edited.body.version).toBe(2)
    expect(edited.body.versions.map((v: { version: number; runs: number }) => [v.version, v.runs])).toEqual([
      [1, 3],
      [2, 0],
    ])
    // Not scored yet: edited in place.
    const again = await as('leader', 'PUT', `/api/v1/assessments/schemes/${schemeId}`, { version: 2, kpis })
    expect(again.body.version).toBe(2)
    const stale = await as('leader', 'PUT', `/api/v1/assessments/schemes/${schemeId}`, { version: 1, kpis })
    expect(stale.status).toBe(409)
    const run = await as('leader', 'GET', `/api/v1/assessments/runs/${runId}`)
    expect(run.body.schemeVersion).toBe(1)
  })

  it('keeps an unpublished run from the assessed; publishing opens the appeal window', async () => {
    expect((await as('guihua.grid', 'GET', `/api/v1/assessments/runs/${runId}`)).status).toBe(404)
    const pub = await as('leader', 'POST', `/api/v1/assessments/runs/${runId}/publish`)
    expect(pub.status).toBe(200)
    expect(pub.body).toMatchObject({
      publishedAt: '2099-04-10T02:00:00.000Z',
      appealUntil: '2099-04-17T02:00:00.000Z',
    })
    expect((await as('leader', 'POST', `/api/v1/assessments/runs/${runId}/publish`)).body.error.code).toBe(
      'ASSESSMENT_RUN_PUBLISHED',
    )
    expect((await as('guihua.grid', 'GET', `/api/v1/assessments/runs/${runId}`)).status).toBe(200)
    // Community B's leader stands on another branch: neither the run nor its ranking.
    expect((await as('cuizhu.leader', 'GET', `/api/v1/assessments/runs/${runId}`)).status).toBe(404)
    expect((await as('cuizhu.leader', 'GET', `/api/v1/assessments/runs/${runId}/scores`)).status).toBe(404)
    const listed = await as('cuizhu.leader', 'GET', '/api/v1/assessments/runs')
    expect(listed.body.items.map((r: { id: number }) => r.id)).not.toContain(runId)
  })

  it('lets the assessed unit appeal in the window; a correction sits beside the original score, audited', async () => {
    // Not the unit: 柳岸's score is not the 桂花 staff's to appeal.
    const scores = await as('leader', 'GET', `/api/v1/assessments/runs/${runId}/scores`)
    const liuan = scores.body.items.find((s: { code: string }) => s.code === 'JZ-QH-01-02')
    const notMine = await as('guihua.staff', 'POST', `/api/v1/assessments/scores/${liuan.id}/appeals`, {
      reason: '不是本单位',
    })
    expect(notMine.status).toBe(403)

    const appeal = await as('guihua.staff', 'POST', `/api/v1/assessments/scores/${guihuaScore}/appeals`, {
      reason: 'A2 的返工系上级部门原因',
    })
    expect(appeal.status).toBe(201)
    expect(appeal.body).toMatchObject({ status: 'open', score: 31 })
    const twice = await as('guihua.staff', 'POST', `/api/v1/assessments/scores/${guihuaScore}/appeals`, {
      reason: '再次申诉',
    })
    expect(twice.body.error).toMatchObject({ code: 'ASSESSMENT_APPEAL_OPEN', field: 'scoreId' })

    // Staff do not decide; a correction needs its value.
    expect(
      (
        await as('donghu.staff', 'POST', `/api/v1/assessments/appeals/${appeal.body.id}/decision`, {
          decision: 'uphold',
          note: '维持',
        })
      ).status,
    ).toBe(403)
    const noValue = await as('leader', 'POST', `/api/v1/assessments/appeals/${appeal.body.id}/decision`, {
      decision: 'correct',
      note: '核减',
    })
    expect(noValue.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'correctedScore' })

    const decided = await as('leader', 'POST', `/api/v1/assessments/appeals/${appeal.body.id}/decision`, {
      decision: 'correct',
      correctedScore: 60,
      note: '返工不计入社区',
    })
    expect(decided.status).toBe(200)
    expect(decided.body).toMatchObject({ status: 'corrected', correctedScore: 60 })
    const after = await as('leader', 'GET', `/api/v1/assessments/runs/${runId}/scores`)
    const g = after.body.items.find((s: { id: number }) => s.id === guihuaScore)
    expect(g).toMatchObject({
      score: 31,
      rank: 2,
      correctedScore: 60,
      currentScore: 60,
      currentRank: 1,
      correctionReason: '返工不计入社区',
    })
    expect(g.adjustments).toEqual([
      expect.objectContaining({ appealId: appeal.body.id, from: 31, to: 60, reason: '返工不计入社区' }),
    ])
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('action', 'in', ['assessment.appeal', 'assessment.score.correct', 'assessment.appeal.decide'])
      .where('entity_id', 'in', [String(appeal.body.id), String(guihuaScore)])
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'assessment.appeal',
      'assessment.score.correct',
      'assessment.appeal.decide',
    ])
    expect(audit[1]!.detail).toMatchObject({ from: 31, to: 60, original: 31 })
    expect(
      (
        await as('leader', 'POST', `/api/v1/assessments/appeals/${appeal.body.id}/decision`, {
          decision: 'uphold',
          note: '改判',
        })
      ).body.error.code,
    ).toBe('ASSESSMENT_APPEAL_DECIDED')

    // The appellant sees their own appeal; the leader sees every one of the area.
    const mine = await as('guihua.staff', 'GET', '/api/v1/assessments/appeals')
    expect(mine.body.items.map((a: { id: number }) => a.id)).toContain(appeal.body.id)
  })

  it('closes appeals after the window, naming scoreId', async () => {
    p.clock.set(new Date('2099-04-17T02:00:01Z'))
    const late = await as('guihua.staff', 'POST', `/api/v1/assessments/scores/${guihuaScore}/appeals`, {
      reason: '逾期申诉',
    })
    expect(late.status).toBe(409)
    expect(late.body.error).toMatchObject({ code: 'ASSESSMENT_APPEAL_WINDOW_CLOSED', field: 'scoreId' })
    p.clock.set(new Date('2099-04-10T02:00:00Z'))
  })

  it('records rewards and penalties: proposed by staff, approved by a leader who did not propose, audited', async () => {
    const noAmount = await as('donghu.staff', 'POST', '/api/v1/assessments/sanctions', {
      scoreId: guihuaScore,
      kind: 'deduction',
      reason: '按期结案率未达标',
    })
    expect(noAmount.body.error).toMatchObject({ code: 'ASSESSMENT_SANCTION_INVALID', field: 'amount' })
    const proposed = await as('donghu.staff', 'POST', '/api/v1/assessments/sanctions', {
      scoreId: guihuaScore,
      kind: 'deduction',
      amount: 500,
      person: '张三',
      reason: '按期结案率未达标',
    })
    expect(proposed.status).toBe(201)
    expect(proposed.body).toMatchObject({
      status: 'proposed',
      period: '2099-03',
      unitType: 'community',
      score: 60,
      amount: 500,
      approver: null,
    })
    const byStaff = await as('donghu.staff', 'POST', `/api/v1/assessments/sanctions/${proposed.body.id}/decision`, {
      decision: 'approve',
    })
    expect(byStaff.status).toBe(403)
    const approved = await as('leader', 'POST', `/api/v1/assessments/sanctions/${proposed.body.id}/decision`, {
      decision: 'approve',
      note: '同意',
    })
    expect(approved.status).toBe(200)
    expect(approved.body.status).toBe('approved')
    expect(approved.body.approver).toBeTruthy()

    const own = await as('leader', 'POST', '/api/v1/assessments/sanctions', {
      areaId: street,
      unitType: 'community',
      unitId: await areaId(p, 'JZ-QH-01-02'),
      period: '2099-03',
      kind: 'commendation',
      reason: '满意率第一',
    })
    expect(own.status).toBe(201)
    const self = await as('leader', 'POST', `/api/v1/assessments/sanctions/${own.body.id}/decision`, {
      decision: 'approve',
    })
    expect(self.status).toBe(403)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'assessment.sanction.%')
      .where('entity_id', 'in', [String(proposed.body.id), String(own.body.id)])
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual([
      'assessment.sanction.approve',
      'assessment.sanction.propose',
      'assessment.sanction.propose',
    ])
    // The register is the keepers': the community B leader sees none of it.
    const other = await as('cuizhu.leader', 'GET', '/api/v1/assessments/sanctions')
    expect(other.body.items).toEqual([])
  })
})

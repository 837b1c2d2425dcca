import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { mulberry32 } from '../core/random.js'
import { detectWarnings } from './warnings.js'
import { dropTest, nbUpperTail, spikeTest } from './warnings-stats.js'

// The early-warning detector and its inbox. The clock stands at 2027-03-10T04:00Z, 12:00 on
// Wednesday 10 March in Shanghai; every case is inserted with its submission time, and the rollup
// (migration 0077) counts it. 桂G01 = JZ-QH-01-01-G01 (community 桂花), 翠G01 = JZ-QH-02-01-G01
// (community 翠竹, street 西园).

const NOW = '2027-03-10T04:00:00Z'
const DAY = 86_400_000

describe('the spike test (negative-binomial predictive)', () => {
  it('computes the negative-binomial tail', () => {
    // NB(1, p) is geometric: P(X ≥ k) = (1 − p)^k.
    expect(nbUpperTail(3, 1, 0.9)).toBeCloseTo(0.001, 12)
    expect(nbUpperTail(0, 5, 0.5)).toBe(1)
    // NB(2, 0.5): P(X = 0) = 0.25, P(X = 1) = 0.25, so P(X ≥ 2) = 0.5.
    expect(nbUpperTail(2, 2, 0.5)).toBeCloseTo(0.5, 12)
  })

  it('keeps a grid without history from alarming on one or two cases', () => {
    expect(spikeTest(1, 0, 8, 0.001, 3).flagged).toBe(false)
    expect(spikeTest(2, 0, 8, 0.001, 3).flagged).toBe(false)
    expect(spikeTest(3, 0, 8, 0.001, 3).flagged).toBe(true)
  })

  it('flags three times a steady baseline and not the baseline itself', () => {
    const flat = spikeTest(10, 80, 8, 0.001, 3)
    expect(flat.flagged).toBe(false)
    expect(flat.expected).toBeCloseTo(80.25 / 8.5, 6)
    const spike = spikeTest(30, 80, 8, 0.001, 3)
    expect(spike.flagged).toBe(true)
    expect(spike.pValue).toBeLessThan(1e-6)
    expect(spike.threshold).toBeGreaterThan(10)
    expect(spike.threshold).toBeLessThanOrEqual(30)
  })

  it('holds its false-alarm rate on Poisson data', () => {
    const rnd = mulberry32(7)
    const poisson = (lambda: number) => {
      let k = 0
      let p = Math.exp(-lambda)
      let s = p
      const u = rnd()
      while (u > s) {
        k++
        p *= lambda / k
        s += p
      }
      return k
    }
    let alarms = 0
    const trials = 4000
    for (let i = 0; i < trials; i++) {
      const lambda = 2 + (i % 8)
      let history = 0
      for (let w = 0; w < 8; w++) history += poisson(lambda)
      if (spikeTest(poisson(lambda), history, 8, 0.001, 3).flagged) alarms++
    }
    // α = 0.001: 4 alarms expected at most; 12 would be a rate three times too high.
    expect(alarms).toBeLessThanOrEqual(12)
  })

  it('tests a fall in satisfaction with two proportions', () => {
    // 12 of 30 against 54 of 60: pooled 66/90, z = (0.9 − 0.4)/√(0.7333·0.2667·(1/30 + 1/60)) = 5.05.
    const t = dropTest(12, 30, 54, 60)
    expect(t.z).toBeCloseTo(0.5 / Math.sqrt((66 / 90) * (24 / 90) * (1 / 30 + 1 / 60)), 9)
    expect(t.pValue).toBeLessThan(1e-6)
    expect(dropTest(27, 30, 54, 60).pValue).toBeGreaterThan(0.4)
  })
})

describe.each(backends())('early warning on %s', (backend) => {
  let p: TestPlatform
  let g1: { id: number; path: string; district: number }
  let g2: { id: number; path: string; district: number }
  let spikeCat: number
  let flatCat: number
  let seq = 0

  const grid = async (code: string) => {
    const a = await p.database.db
      .selectFrom('area')
      .select(['id', 'path'])
      .where('code', '=', code)
      .executeTakeFirstOrThrow()
    return { id: a.id, path: a.path, district: Number(a.path.split('/').filter(Boolean)[1]) }
  }
  const category = async (code: string) =>
    Number(
      (await p.database.db.selectFrom('case_category').select('id').where('code', '=', code).executeTakeFirstOrThrow())
        .id,
    )

  /** Inserts cases submitted at `times` (state submitted unless rated). */
  async function plant(
    g: { id: number; district: number },
    categoryId: number,
    times: Date[],
    opts: { rating?: 'satisfied' | 'unsatisfied'; location?: [number, number]; channel?: string } = {},
  ): Promise<number[]> {
    const prefix = `W${++seq}`
    const rated = opts.rating !== undefined
    const { rows } = await sql<{ id: number }>`
      insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, submitted_at,
                         response_due_at, updated_at, rating_status, rating, solved, rated_at, closed_at, location)
      select ${prefix} || '-' || o, ${categoryId}, ${g.id}, ${g.district}, ${opts.channel ?? 'hotline'},
             ${rated ? 'rated' : 'submitted'}, '预警测试', t, t + interval '4 hours', t,
             ${rated ? 'rated' : null}, ${opts.rating ?? null}, ${rated ? opts.rating === 'satisfied' : null},
             ${rated ? sql`t + interval '1 day'` : null}, ${rated ? sql`t + interval '1 day'` : null},
             ${opts.location ? sql`ST_SetSRID(ST_MakePoint(${opts.location[0]}, ${opts.location[1]}), 4326)` : null}
      from unnest(${times.map((d) => d.toISOString())}::timestamptz[]) with ordinality as x(t, o)
      returning id`.execute(p.database.db)
    return rows.map((r) => Number(r.id))
  }

  const at = (daysBefore: number, hourUtc = 1, minute = 0) =>
    new Date(Date.parse('2027-03-10T00:00:00Z') - daysBefore * DAY + hourUtc * 3600_000 + minute * 60_000)

  beforeAll(async () => {
    p = await openTestPlatform(backend, NOW)
    g1 = await grid('JZ-QH-01-01-G01')
    g2 = await grid('JZ-QH-01-01-G02')
    spikeCat = await category('DL-03')
    flatCat = await category('HW-05')
    // Eight weeks of history: two cases a day in both grid × category pairs of 桂G01, and in 桂G02.
    const history: Date[] = []
    for (let d = 1; d <= 63; d++) history.push(at(d, 1), at(d, 3))
    await plant(g1, spikeCat, history)
    await plant(g1, flatCat, history)
    await plant(g2, spikeCat, history)
    // Today: a planted spike of 12 in 桂G01 × DL-03; the usual two elsewhere.
    await plant(
      g1,
      spikeCat,
      Array.from({ length: 12 }, (_, i) => at(0, 1, i * 5)),
    )
    await plant(g1, flatCat, [at(0, 1), at(0, 2)])
    await plant(g2, spikeCat, [at(0, 1), at(0, 2)])
  }, 120_000)
  afterAll(() => p?.close())

  const warnings = (where: { kind?: string; areaId?: number; categoryId?: number } = {}) =>
    p.database.db
      .selectFrom('warning')
      .selectAll()
      .$if(where.kind !== undefined, (q) => q.where('kind', '=', where.kind!))
      .$if(where.areaId !== undefined, (q) => q.where('area_id', '=', where.areaId!))
      .$if(where.categoryId !== undefined, (q) => q.where('category_id', '=', where.categoryId!))
      .execute()

  it('flags the planted spike and not the flat series', async () => {
    const run = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['spike'] })
    expect(run.byKind.spike).toBeGreaterThanOrEqual(1)
    const day = (await warnings({ kind: 'spike', areaId: g1.id, categoryId: spikeCat })).filter(
      (w) => w.time_window === 'day',
    )
    expect(day).toHaveLength(1)
    const w = day[0]!
    expect(w.observed).toBe(12)
    // History: the same weekday over eight weeks, two cases each: 16 cases.
    expect(w.evidence).toMatchObject({ historySum: 16, historyPeriods: 8 })
    expect((w.evidence as { caseIds: number[] }).caseIds).toHaveLength(12)
    expect(Number(w.expected)).toBeCloseTo(16.25 / 8.5, 3)
    expect(Number(w.threshold)).toBeLessThanOrEqual(12)
    expect(w.state).toBe('open')
    expect(await warnings({ kind: 'spike', areaId: g1.id, categoryId: flatCat })).toHaveLength(0)
    expect(await warnings({ kind: 'spike', areaId: g2.id })).toHaveLength(0)
    // The leaders over the grid hear of it: the community's and the district's.
    const told = await sql<{ username: string }>`
      select u.username from notification n join app_user u on u.id = n.user_id
      where n.kind = 'warning_raised' and (n.params ->> 'warningId')::bigint = ${w.id}`.execute(p.database.db)
    expect(told.rows.map((r) => r.username).sort()).toEqual(['guihua.leader', 'leader'])
  })

  it('raises one warning per grid × category × period, its count updated', async () => {
    const again = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['spike'] })
    expect(again.raised).toBe(0)
    await plant(g1, spikeCat, [at(0, 2, 30), at(0, 2, 40)])
    const third = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['spike'] })
    expect(third.raised).toBe(0)
    expect(third.updated).toBeGreaterThanOrEqual(1)
    const day = (await warnings({ kind: 'spike', areaId: g1.id, categoryId: spikeCat })).filter(
      (w) => w.time_window === 'day',
    )
    expect(day).toHaveLength(1)
    expect(day[0]!.observed).toBe(14)
    const told = await sql<{ n: string }>`
      select count(*) as n from notification where kind = 'warning_raised' and (params ->> 'warningId')::bigint = ${day[0]!.id}`.execute(
      p.database.db,
    )
    expect(Number(told.rows[0]!.n)).toBe(2)
  })

  it('flags repeated reports from one place, once', async () => {
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where id = ${g2.id}`.execute(
      p.database.db,
    )
    const c = rows[0]!
    const [a] = await plant(g2, flatCat, [at(3, 2)], { location: [c.lng, c.lat], channel: 'portal' })
    const [b] = await plant(g2, flatCat, [at(2, 2)], { location: [c.lng + 0.0002, c.lat], channel: 'portal' })
    // One report is not yet a repeat.
    await detectWarnings(p.database.db, p.clock.now(), { kinds: ['repeat_place'] })
    expect(await warnings({ kind: 'repeat_place', areaId: g2.id })).toHaveLength(0)
    const [d] = await plant(g2, spikeCat, [at(1, 2)], { location: [c.lng, c.lat + 0.0002], channel: 'portal' })
    // Far away (about 1 km): not the same place.
    await plant(g2, spikeCat, [at(1, 3)], { location: [c.lng + 0.01, c.lat], channel: 'portal' })
    const run = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['repeat_place'] })
    expect(run.byKind.repeat_place).toBe(1)
    const [w] = await warnings({ kind: 'repeat_place', areaId: g2.id })
    expect((w!.evidence as { caseIds: number[] }).caseIds).toEqual([a, b, d])
    expect(w!.observed).toBe(3)
    expect((await detectWarnings(p.database.db, p.clock.now(), { kinds: ['repeat_place'] })).raised).toBe(0)
    expect(await warnings({ kind: 'repeat_place' })).toHaveLength(1)
  })

  it('flags repeated complaints by one caller through the blind index of the sealed phone', async () => {
    const staff = await tokenFor(p.app, 'guihua.staff')
    const file = (description: string) =>
      call(p.app, 'POST', '/api/v1/cases', {
        token: staff,
        body: {
          categoryCode: 'ZS-02',
          areaId: g1.id,
          address: '桂花苑3栋',
          description,
          attributes: { noise_period: 'night', noise_source: 'other' },
          channel: 'hotline',
          reporterPhone: '13800138123',
          reporterName: '王先生',
        },
      })
    for (const text of ['楼上深夜噪声', '楼上又在深夜吵闹', '第三次反映楼上噪声']) {
      p.clock.set(new Date(p.clock.now().getTime() + 3600_000))
      expect((await file(text)).status).toBe(201)
    }
    const stored = await sql<{ bidx: string | null; enc: boolean }>`
      select reporter_phone_bidx as bidx, reporter_phone_enc is not null as enc from cases
      where description = '楼上深夜噪声'`.execute(p.database.db)
    expect(stored.rows[0]!.bidx).toMatch(/^[0-9a-f]{40}$/)
    const run = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['repeat_requester'] })
    expect(run.byKind.repeat_requester).toBe(1)
    const [w] = await warnings({ kind: 'repeat_requester' })
    expect(w!.area_id).toBe(g1.id)
    expect(w!.observed).toBe(3)
    expect((w!.evidence as { maskedPhone: string }).maskedPhone).toBe('138****8123')
    expect(JSON.stringify(w!.evidence)).not.toContain('13800138123')
  })

  it('flags a significant fall in a street’s satisfaction', async () => {
    const cuizhu = await grid('JZ-QH-02-01-G01')
    const street = await areaId(p, 'JZ-QH-02')
    const days = (from: number, n: number) => Array.from({ length: n }, (_, i) => at(from + (i % 40), 5, i))
    await plant(cuizhu, flatCat, days(20, 54), { rating: 'satisfied' })
    await plant(cuizhu, flatCat, days(20, 6), { rating: 'unsatisfied' })
    await plant(
      cuizhu,
      flatCat,
      Array.from({ length: 12 }, (_, i) => at(1 + (i % 12), 6)),
      { rating: 'satisfied' },
    )
    await plant(
      cuizhu,
      flatCat,
      Array.from({ length: 18 }, (_, i) => at(1 + (i % 12), 7)),
      { rating: 'unsatisfied' },
    )
    const run = await detectWarnings(p.database.db, p.clock.now(), { kinds: ['satisfaction_drop'] })
    expect(run.byKind.satisfaction_drop).toBeGreaterThanOrEqual(1)
    const [w] = await warnings({ kind: 'satisfaction_drop', areaId: street })
    expect(w!.observed).toBeCloseTo(0.4, 4)
    expect(w!.expected).toBeCloseTo(0.9, 4)
    expect(w!.severity).toBe('critical')
    expect(Number(w!.p_value)).toBeLessThan(0.001)
    // The street of 桂花 kept its rate: no warning there.
    expect(await warnings({ kind: 'satisfaction_drop', areaId: await areaId(p, 'JZ-QH-01') })).toHaveLength(0)
  })

  it('warns of open disputes at high or urgent risk', async () => {
    const { rows } = await sql<{ id: number; area_id: number }>`
      select id, area_id from dispute where state in ('registered', 'people_mediation') order by id limit 1`.execute(
      p.database.db,
    )
    const d = rows[0]!
    await sql`update dispute set risk_level = 'urgent' where id = ${d.id}`.execute(p.database.db)
    await detectWarnings(p.database.db, p.clock.now(), { kinds: ['dispute_risk'] })
    const found = (await warnings({ kind: 'dispute_risk' })).filter(
      (w) => (w.evidence as { disputeId: number }).disputeId === Number(d.id),
    )
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('critical')
    expect(found[0]!.area_id).toBe(d.area_id)
    const open = await sql<{ n: string }>`
      select count(*) as n from dispute where risk_level in ('high', 'urgent')
        and state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')`.execute(
      p.database.db,
    )
    expect((await warnings({ kind: 'dispute_risk' })).length).toBe(Number(open.rows[0]!.n))
  })

  it('takes a warning through its life: acknowledge, proactive case, close with a note', async () => {
    const leader = await tokenFor(p.app, 'guihua.leader')
    const list = await call(p.app, 'GET', '/api/v1/warnings?kind=spike', { token: leader })
    expect(list.status).toBe(200)
    const item = list.body.items.find(
      (w: { window: string; area: { id: number } }) => w.window === 'day' && w.area.id === g1.id,
    )
    expect(item).toMatchObject({ kind: 'spike', state: 'open', observed: 14, category: { code: 'DL-03' } })
    const detail = await call(p.app, 'GET', `/api/v1/warnings/${item.id}`, { token: leader })
    expect(detail.status).toBe(200)
    // The period and the same weekday of the eight weeks before, oldest first.
    expect(detail.body.series).toHaveLength(9)
    expect(detail.body.series.at(-1)).toEqual({ start: '2027-03-10', count: 14, baseline: false })
    expect(detail.body.series[0]).toEqual({ start: '2027-01-13', count: 2, baseline: true })
    expect(detail.body.cases).toHaveLength(14)
    expect(detail.body.period).toBe('2027-03-10')
    expect(detail.body.can).toEqual({ acknowledge: true, close: true, proactiveCase: true })

    const ack = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/acknowledge`, { token: leader, body: {} })
    expect(ack.status).toBe(200)
    expect(ack.body.state).toBe('acknowledged')
    expect(ack.body.acknowledgedBy).toBeTruthy()
    const twice = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/acknowledge`, { token: leader, body: {} })
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('WARNING_ILLEGAL_TRANSITION')

    const body = { description: '路灯集中报修：主动排查桂G01全部路灯' }
    const key = { 'idempotency-key': 'warning-case-1' }
    const started = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/proactive-case`, {
      token: leader,
      body,
      headers: key,
    })
    expect(started.status).toBe(201)
    expect(started.body.case).toMatchObject({ trackingCode: expect.any(String) })
    const filed = await p.database.db
      .selectFrom('cases')
      .select(['channel', 'area_id', 'category_id'])
      .where('id', '=', started.body.case.id)
      .executeTakeFirstOrThrow()
    expect(filed).toEqual({ channel: 'proactive', area_id: g1.id, category_id: spikeCat })
    const replay = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/proactive-case`, {
      token: leader,
      body,
      headers: key,
    })
    expect(replay.body.case.id).toBe(started.body.case.id)
    const second = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/proactive-case`, { token: leader, body })
    expect(second.body.case.id).toBe(started.body.case.id)

    const noNote = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/close`, { token: leader, body: {} })
    expect(noNote.status).toBe(400)
    expect(noNote.body.error.field).toBe('note')
    const blank = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/close`, {
      token: leader,
      body: { note: '  ' },
    })
    expect(blank.status).toBe(400)
    expect(blank.body.error.field).toBe('note')
    const closed = await call(p.app, 'POST', `/api/v1/warnings/${item.id}/close`, {
      token: leader,
      body: { note: '已排查，线路老化，已报修并更换' },
    })
    expect(closed.status).toBe(200)
    expect(closed.body).toMatchObject({ state: 'closed', closeNote: '已排查，线路老化，已报修并更换' })
    expect(closed.body.can).toEqual({ acknowledge: false, close: false, proactiveCase: false })
    expect(
      (await call(p.app, 'POST', `/api/v1/warnings/${item.id}/close`, { token: leader, body: { note: 'x' } })).status,
    ).toBe(409)
    // Closed stays closed: the detector does not reopen or update it.
    await plant(g1, spikeCat, [at(0, 3, 10)])
    await detectWarnings(p.database.db, p.clock.now(), { kinds: ['spike'] })
    const after = await p.database.db
      .selectFrom('warning')
      .select(['state', 'observed'])
      .where('id', '=', item.id)
      .executeTakeFirstOrThrow()
    expect(after).toEqual({ state: 'closed', observed: 14 })
    // Live by default: a closed one is listed with state=closed.
    const live = await call(p.app, 'GET', '/api/v1/warnings', { token: leader })
    expect(live.body.items.map((w: { id: number }) => w.id)).not.toContain(item.id)
    const done = await call(p.app, 'GET', '/api/v1/warnings?state=closed', { token: leader })
    expect(done.body.items.map((w: { id: number }) => w.id)).toContain(item.id)
  })

  it('asks for a grid and category when the warning names none', async () => {
    const leader = await tokenFor(p.app, 'leader')
    const [w] = await warnings({ kind: 'repeat_requester' })
    const res = await call(p.app, 'POST', `/api/v1/warnings/${w!.id}/proactive-case`, {
      token: leader,
      body: { description: '主动回访反复投诉的居民' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('categoryId')
  })

  it('keeps each community to its own warnings', async () => {
    const [w] = await warnings({ kind: 'repeat_place', areaId: g2.id })
    const other = await tokenFor(p.app, 'cuizhu.leader')
    expect((await call(p.app, 'GET', `/api/v1/warnings/${w!.id}`, { token: other })).status).toBe(404)
    const list = await call(p.app, 'GET', '/api/v1/warnings?state=all', { token: other })
    expect(list.status).toBe(200)
    const paths = await p.database.db.selectFrom('area').select(['id', 'path']).execute()
    const cuizhu = await areaId(p, 'JZ-QH-02-01')
    const cuizhuPath = paths.find((a) => a.id === cuizhu)!.path
    for (const item of list.body.items as { area: { id: number } }[]) {
      const path = paths.find((a) => a.id === item.area.id)!.path
      expect(path.startsWith(cuizhuPath)).toBe(true)
    }
    const ack = await call(p.app, 'POST', `/api/v1/warnings/${w!.id}/acknowledge`, { token: other, body: {} })
    expect(ack.status).toBe(404)
    // Residents and grid workers have no warnings inbox.
    const grid = await tokenFor(p.app, 'guihua.grid')
    expect((await call(p.app, 'GET', '/api/v1/warnings', { token: grid })).status).toBe(403)
    expect(
      (await call(p.app, 'GET', '/api/v1/warnings?pageSize=501', { token: await tokenFor(p.app, 'guihua.leader') }))
        .status,
    ).toBe(400)
  })
})

import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { countFigures } from './dashboard.js'
import { G01, G02, insertFixture } from './dashboard-fixture.js'

// A hand-counted fixture inserted straight into `cases` as the owner (the rollup's triggers keep
// case_rollup_live with it). The clock stands at 2021-04-10T02:00Z; times UTC, Shanghai is UTC+8.
// Periods for 桂花 (JZ-QH-01-01), from=2021-03-01 to=2021-04-01 (31 days):
//   current  [2021-02-28T16:00Z, 2021-03-31T16:00Z)
//   previous [2021-01-29, 2021-03-01) local;  lastYear [2020-03-01, 2020-04-01) local
//
// case grid cat    channel    state        notes
// A1   G01  DL-03  hotline    rated        accepted on time, contacted on time, replied by the deadline; satisfied, solved; 1 extension
// A2   G01  DL-03  hotline    rated        accepted late, contacted late, replied late; unsatisfied, not solved; rework 1, return 1
// A3   G02  HW-01  proactive  closed       accepted on time, replied by the deadline; no contact
// A4   G02  HW-01  portal     in_progress  accepted on time; stage due 03-20 (overdue now)
// A5   G01  DL-03  hotline    dispatched   contact due 03-29, not contacted (contact due, not contacted); stage due 04-20
// A6   G01  DL-03  hotline    closed       direct answer, contact required (no contact clock), not rated
// A7   G01  DL-03  hotline    merged       EXCLUDED
// A8   G01  DL-03  portal     shelved
// A10  G02  HW-01  portal     submitted    submitted 2021-02-28T16:00Z, exactly at from
// A11  G02  HW-01  portal     submitted    EXCLUDED: submitted 2021-03-31T16:00Z, exactly at to
// A9   翠竹 G01 (another street): outside 桂花, inside the district
// previous: P1 G01 hotline rated satisfied solved, on time; P2 G01 hotline closed late, 1 extension
// lastYear: L1 G02 hotline closed on time, 1 return
//
// 桂花, current: total 8 (A1-A6 A8 A10); closed 4 (A1 A2 A3 A6), on time 2 (A1 A3); open 3 (A4 A5 A10),
// overdue 1 (A4); rated 2, satisfied 1, unsatisfied 1, solved 1; notRated 1 (A6); reworked 1 (A2);
// returned 1 (A2), extended 1 (A1); proactive 1; direct answers 1; shelved 1; contact required 4
// (A1 A2 A5 A6), no contact 4; contact due 3 (A1 A2 A5), contacted 2, on time 1; department accepted
// 4 (A1-A4), on time 3. Rates: response 1/3, resolution 1/2, satisfaction 1/2, closure 4/8,
// on-time closure 2/4, rework 1/4, return 1/8, extension 1/8, proactive share 1/8.
// Channels: hotline 4, portal 3, proactive 1. Categories: DL-03 5, HW-01 3. Grids: G01 5 (open 1), G02 3 (open 2).
// previous: total 2, closed 2, on time 1, extended 1 (rate 0.5); lastYear: total 1, returned 1 (rate 1).

const CURRENT: Record<string, number | null> = {
  total: 8,
  open: 3,
  overdue: 1,
  closed: 4,
  closedOnTime: 2,
  rejected: 0,
  shelved: 1,
  rated: 2,
  solved: 1,
  satisfied: 1,
  basicallySatisfied: 0,
  unsatisfied: 1,
  notRated: 1,
  reworked: 1,
  returned: 1,
  extended: 1,
  proactive: 1,
  directAnswers: 1,
  contactRequired: 4,
  noContact: 4,
  contactDue: 3,
  contacted: 2,
  contactedOnTime: 1,
  departmentAccepted: 4,
  departmentAcceptedOnTime: 3,
  responseRate: 0.3333,
  resolutionRate: 0.5,
  satisfactionRate: 0.5,
  acceptanceRate: 0.5,
  onTimeAcceptanceRate: 0.75,
  closureRate: 0.5,
  onTimeClosureRate: 0.5,
  reworkRate: 0.25,
  returnRate: 0.125,
  extensionRate: 0.125,
  proactiveShare: 0.125,
}

describe.each(backends())('the leader dashboard on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  const t: Record<string, string> = {}
  const ids: Record<string, number> = {}
  let guihua = 0
  const PERIOD = 'from=2021-03-01&to=2021-04-01'
  const dash = (who: string, q: string) => call(app, 'GET', `/api/v1/analytics/dashboard?${q}`, { token: t[who] })
  const drill = (who: string, q: string) =>
    call(app, 'GET', `/api/v1/analytics/dashboard/cases?${q}`, { token: t[who] })
  const catId = async (code: string) =>
    (await p.database.db.selectFrom('case_category').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2021-04-10T02:00:00Z')
    app = p.app
    guihua = await areaId(p, 'JZ-QH-01-01')
    Object.assign(ids, await insertFixture(p))
    for (const u of ['leader', 'guihua.staff', 'guihua.leader', 'guihua.resident', 'cuizhu.staff'])
      t[u] = await tokenFor(app, u)
  })
  afterAll(() => p?.close())

  it('counts every figure of the period by hand, with its previous period and last year', async () => {
    const res = await dash('guihua.leader', `${PERIOD}&areaId=${guihua}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const b = res.body
    expect(b.periods).toEqual({
      current: { from: '2021-03-01', to: '2021-04-01' },
      previous: { from: '2021-01-29', to: '2021-03-01' },
      lastYear: { from: '2020-03-01', to: '2020-04-01' },
    })
    expect(b.timezone).toBe('Asia/Shanghai')
    for (const [k, v] of Object.entries(CURRENT)) expect(b.figures[k].value, k).toBe(v)
    // Previous period: P1 and P2.
    expect(b.figures.total).toMatchObject({ previous: 2, lastYear: 1, change: 6, changeRatio: 3, changeLastYear: 7 })
    expect(b.figures.total.changeRatioLastYear).toBe(7)
    expect(b.figures.closedOnTime).toMatchObject({ previous: 1, lastYear: 1, change: 1, changeRatio: 1 })
    expect(b.figures.extensionRate).toMatchObject({
      value: 0.125,
      previous: 0.5,
      lastYear: 0,
      change: -0.375,
      changeRatio: null,
      changeLastYear: 0.125,
      better: 'lower',
    })
    expect(b.figures.returnRate).toMatchObject({ previous: 0, lastYear: 1, changeLastYear: -0.875 })
    expect(b.figures.onTimeClosureRate).toMatchObject({
      value: 0.5,
      previous: 0.5,
      lastYear: 1,
      change: 0,
      better: 'higher',
    })
    // A count that was 0 before has no ratio.
    expect(b.figures.overdue).toMatchObject({ value: 1, previous: 0, change: 1, changeRatio: null, better: 'lower' })
    expect(b.figures.total.better).toBeNull()

    expect(b.byChannel).toEqual([
      { channel: 'hotline', total: 4 },
      { channel: 'portal', total: 3 },
      { channel: 'proactive', total: 1 },
    ])
    expect(b.byCategory.top.map((c: any) => [c.code, c.total, c.closed, c.open])).toEqual([
      ['DL-03', 5, 3, 1],
      ['HW-01', 3, 1, 2],
    ])
    expect(b.byCategory.rest).toEqual({ categories: 0, total: 0 })
    expect(b.topGrids.map((g: any) => [g.code, g.total, g.open])).toEqual([
      [G01, 5, 1],
      [G02, 3, 2],
    ])
    // The trend lists every day; A10 falls on the first (Shanghai) day, A1 on 03-02.
    expect(b.trend.unit).toBe('day')
    expect(b.trend.current).toHaveLength(31)
    expect(b.trend.previous).toHaveLength(31)
    expect(b.trend.current[0]).toEqual({ key: '2021-03-01', total: 1, closed: 0, overdue: 0 })
    expect(b.trend.current[1]).toEqual({ key: '2021-03-02', total: 1, closed: 1, overdue: 0 })
    expect(b.trend.current.reduce((s: number, x: any) => s + x.total, 0)).toBe(8)
    expect(b.trend.previous.reduce((s: number, x: any) => s + x.total, 0)).toBe(2)
    for (const k of ['extensionRate', 'returnRate', 'change', 'periods'])
      expect(typeof b.definitions[k], k).toBe('string')
  })

  it('takes top N with the rest summed, trends by month over long periods, and the district', async () => {
    const one = await dash('guihua.leader', `${PERIOD}&areaId=${guihua}&top=1`)
    expect(one.body.byCategory.top.map((c: any) => c.code)).toEqual(['DL-03'])
    expect(one.body.byCategory.rest).toEqual({ categories: 1, total: 3 })
    expect(one.body.topGrids.map((g: any) => g.code)).toEqual([G01])
    const year = await dash('guihua.leader', `from=2020-04-01&to=2021-04-01&areaId=${guihua}`)
    expect(year.status).toBe(200)
    expect(year.body.trend.unit).toBe('month')
    expect(year.body.trend.current).toHaveLength(12)
    expect(year.body.trend.current.at(-1)).toMatchObject({ key: '2021-03', total: 8 })
    expect(year.body.figures.total.value).toBe(10)
    // The district leader's own areas by default: A9 counts too; the category filter keeps HW-01.
    const district = await dash('leader', PERIOD)
    expect(district.body.figures.total.value).toBe(9)
    expect(district.body.areas.map((a: any) => a.code)).toEqual(['JZ-QH'])
    const hw = await dash('leader', `${PERIOD}&categoryId=${await catId('HW-01')}`)
    expect(hw.body.figures.total.value).toBe(3)
    expect(hw.body.byChannel).toEqual([
      { channel: 'portal', total: 2 },
      { channel: 'proactive', total: 1 },
    ])
  })

  it('lists the cases behind every count figure, as many as the figure says', async () => {
    const res = await dash('guihua.leader', `${PERIOD}&areaId=${guihua}`)
    for (const figure of countFigures) {
      const list = await drill('guihua.leader', `figure=${figure}&${PERIOD}&areaId=${guihua}&pageSize=100`)
      expect(list.status, figure).toBe(200)
      expect(list.body.total, figure).toBe(res.body.figures[figure].value)
      expect(list.body.items, figure).toHaveLength(res.body.figures[figure].value)
    }
    const overdue = await drill('guihua.leader', `figure=overdue&${PERIOD}&areaId=${guihua}`)
    expect(overdue.body.items.map((c: any) => c.trackingCode)).toEqual(['DASH-A4'])
    expect(overdue.body.items[0]).toMatchObject({ overdue: true, state: 'in_progress', channel: 'portal' })
    expect(overdue.body.items[0].category.code).toBe('HW-01')
    expect(overdue.body.items[0].area.code).toBe(G02)
    expect(overdue.body.items[0].department.code).toBe('QH-CG')
    // A channel slice, a grid bar and a category bar each list their own count.
    for (const c of res.body.byChannel) {
      const l = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&channel=${c.channel}`)
      expect(l.body.total, c.channel).toBe(c.total)
    }
    for (const g of res.body.topGrids) {
      const l = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&gridId=${g.id}`)
      expect(l.body.total, g.code).toBe(g.total)
      const o = await drill('guihua.leader', `figure=open&${PERIOD}&areaId=${guihua}&gridId=${g.id}`)
      expect(o.body.total, g.code).toBe(g.open)
    }
    for (const c of res.body.byCategory.top) {
      const l = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&categoryId=${c.id}`)
      expect(l.body.total, c.code).toBe(c.total)
    }
    // A trend point: one day.
    const day = await drill('guihua.leader', `figure=closed&from=2021-03-02&to=2021-03-03&areaId=${guihua}`)
    expect(day.body.items.map((c: any) => c.trackingCode)).toEqual(['DASH-A1'])
  })

  it('pages by keyset, newest first', async () => {
    const first = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&pageSize=3`)
    expect(first.body.total).toBe(8)
    expect(first.body.items).toHaveLength(3)
    const all = [...first.body.items]
    let after = first.body.nextAfter
    while (after) {
      const next = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&pageSize=3&after=${after}`)
      all.push(...next.body.items)
      after = next.body.nextAfter
    }
    const ids = all.map((c: any) => c.id)
    expect(ids).toEqual([...ids].sort((x, y) => y - x))
    expect(new Set(ids).size).toBe(8)
    const both = await drill('guihua.leader', `figure=total&${PERIOD}&areaId=${guihua}&page=2&after=${ids[0]}`)
    expect(both.status).toBe(400)
    expect(both.body.error.field).toBe('after')
  })

  it('keeps to the caller’s areas and refuses bad input naming the field', async () => {
    const cuizhu = await areaId(p, 'JZ-QH-02-01')
    expect((await dash('guihua.resident', PERIOD)).status).toBe(403)
    expect((await drill('guihua.resident', `figure=total&${PERIOD}`)).status).toBe(403)
    expect((await call(app, 'GET', `/api/v1/analytics/dashboard?${PERIOD}`)).status).toBe(401)
    const foreign = await dash('guihua.staff', `${PERIOD}&areaId=${cuizhu}`)
    expect(foreign.status).toBe(403)
    expect(foreign.body.error.field).toBe('areaId')
    expect((await drill('guihua.staff', `figure=total&${PERIOD}&areaId=${cuizhu}`)).status).toBe(403)
    const unknown = await dash('guihua.staff', `${PERIOD}&areaId=99999999`)
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.field).toBe('areaId')
    // A grid of another community: outside the staff member's scope; below the district but not
    // below 桂花 for the district leader.
    const foreignGrid = await areaId(p, 'JZ-QH-02-01-G01')
    const g1 = await drill('guihua.staff', `figure=total&${PERIOD}&gridId=${foreignGrid}`)
    expect(g1.status).toBe(403)
    expect(g1.body.error.field).toBe('gridId')
    const g2 = await drill('leader', `figure=total&${PERIOD}&areaId=${guihua}&gridId=${foreignGrid}`)
    expect(g2.status).toBe(400)
    expect(g2.body.error.field).toBe('gridId')
    // guihua.staff's own view never counts 翠竹's case A9.
    expect((await dash('guihua.staff', PERIOD)).body.figures.total.value).toBe(8)
    for (const [q, field] of [
      ['from=2021-02-30&to=2021-04-01', 'from'],
      ['from=2021-03-01&to=2021-13-01', 'to'],
      ['from=2021-03-01&to=2021-03-01', 'from'],
      ['from=1800-03-01&to=2021-03-01', 'from'],
      ['from=2015-03-01&to=2021-03-01', 'from'],
      ['from=yesterday', 'from'],
      ['top=0', 'top'],
    ] as const) {
      const r = await dash('guihua.staff', q)
      expect(r.status, q).toBe(400)
      expect(r.body.error.field, q).toBe(field)
    }
    const bad = await drill('guihua.staff', `figure=responseRate&${PERIOD}`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('figure')
  })
})

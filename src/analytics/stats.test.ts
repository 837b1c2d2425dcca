import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

// A hand-counted fixture inserted straight into `cases` as the owner (no workflow, explicit
// timestamps). It tests the grouping, windows and scoping with the figures that were the only ones
// before issue 12 (acceptance, closure, on-time closure, rework, satisfaction), now under their
// honest names; none of its cases requires contact, is proactive, shelved, returned or answered
// directly, so those figures are zero here (noContact = total) and the three 12345 rates have their
// own hand-counted fixture in evaluation.test.ts. Rated cases answered "solved": G1 and C1 only
// (G2 basically satisfied but not solved; G3 and C6 unsatisfied, not solved). The clock stands at 2026-11-23T02:00Z. Times are UTC; Shanghai is UTC+8.
// The main window is from=2026-10-01 to=2026-12-01 (Shanghai dates) = [2026-09-30T16:00Z, 2026-11-30T16:00Z).
//
// case area          cat    dept      state        resp  on-time  closed  closed on time    rating  rework  hours  open overdue  worker (latest accept/reply)
// G1   桂花 G01       DL-03  QH-CG     rated        yes   yes      yes     yes               sat     -       96     -    -        qh.handler
// G2   桂花 G01       DL-03  QH-CG     rated        yes   LATE     yes     LATE              basic   rw 1    120    -    -        qh.handler
// G3   桂花 G02       HW-01  QH-01-ZF  rated        yes   yes      yes     yes               unsat   -       72     -    -        guihua.handler
// G4   桂花 G02       HW-01  QH-01-ZF  closed       yes   yes      yes     yes               -       ro 1    108    -    -        guihua.mediator (final reply after guihua.handler)
// G5   桂花 G01       DL-03  -         rejected     -                                                                            -
// G6   桂花 G01       DL-03  -         merged → G7  EXCLUDED (merged)
// G7   桂花 G01       DL-03  QH-CG     in_progress  yes   yes                                                        open yes      qh.handler
// G8   桂花 G02       HW-01  QH-01-ZF  dispatched   -                                                                open no       -
// G9   桂花 G01       DL-03  QH-CG     rated        EXCLUDED: submitted 2026-09-30T15:59:59.999Z, 1 ms before the window (events by qh.handler)
// G10  桂花 G01       DL-03  -         submitted    -     submitted exactly at from (2026-09-30T16:00Z = 10-01 00:00 Shanghai)  open yes  -
// L1   柳岸 G01       DL-03  QH-CG     closed       yes   yes      yes     yes               -       -       72     -    -        qh.handler
// C1   翠竹 G01       DL-03  QH-CG     rated        yes   yes      yes     yes               sat     -       54     -    -        qh.handler
// C2   翠竹 G01       SR-05  QH-02-ZF  closed       yes   = due    yes     = due (on time)   -       -       144    -    -        cuizhu.handler   (reported by guihua.staff)
// C3   翠竹 G01       DL-03  -         rejected     -                                                                            -
// C4   翠竹 G01       SR-05  QH-02-ZF  replied      yes   LATE                                                       open no       cuizhu.handler
// C5   翠竹 G01       DL-03  QH-CG     verified     yes   yes                                                        open no       qh.handler
// C6   翠竹 G01       HW-01  QH-02-ZF  rated        yes   yes      yes     LATE              unsat   rw 2    144    -    -        cuizhu.handler
//
// District (leader), main window: 15 cases (G1-G5, G7, G8, G10, L1, C1-C6).
//   department-accepted 11 (all but G5 G8 G10 C3), on time 9 (not G2 C4) → 11/15 = 0.7333, 9/11 = 0.8182
//   rejected 2 (G5 C3); closed 8 (G1-G4 L1 C1 C2 C6) → closure 8/13 = 0.6154
//   rated 5: satisfied 2 (G1 C1), basically 1 (G2), unsatisfied 2 (G3 C6) → 3/5 = 0.6
//   closed on time 6 (not G2 C6) → 6/8 = 0.75; reworked 3 (G2 G4 C6) → 3/8 = 0.375
//   hours (96+120+72+108+72+54+144+144)/8 = 810/8 = 101.25; open 5 (G7 G8 G10 C4 C5), overdue 2 (G7 G10); merged 1 (G6)
// 桂花 (guihua.staff): G1-G5 G7 G8 G10 = 8 (C2, which guihua.staff reported, does not count)
//   department-accepted 5, on time 4 → 0.625, 0.8; rejected 1; closed 4 → 4/7 = 0.5714; rated 3 (1/1/1) → 0.6667
//   closed on time 3 (G1 G3 G4) → 0.75; reworked 2 (G2 G4) → 0.5; hours (96+120+72+108)/4 = 99; open 3, overdue 2
// by street: 东湖 = 桂花 + L1 = 9; 西园 = C1-C6 = 6 (figures in the test below)

const H = 3600_000
const at = (s: string) => new Date(s)

interface Spec {
  key: string
  area: string
  cat: string
  dept: string | null
  state: string
  sub: string
  respDue?: string
  resp?: string
  handleDue?: string
  replied?: string
  closed?: string
  rating?: 'satisfied' | 'basically_satisfied' | 'unsatisfied'
  solved?: boolean
  rework?: number
  reopen?: number
  stageDue?: string | null
  reporter?: string
  mergedInto?: string
  /** case_event rows: [action, actor username, time]. */
  events?: [string, string, string][]
}

const D = (md: string, hh = '01') => `2026-${md}T${hh}:00:00.000Z`

const fixture: Spec[] = [
  {
    key: 'G1',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'rated',
    sub: D('10-05'),
    respDue: D('10-05', '05'),
    resp: D('10-05', '02'),
    handleDue: D('10-08', '02'),
    replied: D('10-07', '02'),
    closed: D('10-09'),
    rating: 'satisfied',
    solved: true,
    events: [
      ['submit', 'guihua.staff', D('10-05')],
      ['department_accept', 'qh.handler', D('10-05', '02')],
      ['reply', 'qh.handler', D('10-07', '02')],
      ['close', 'guihua.staff', D('10-09')],
    ],
  },
  {
    key: 'G2',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'rated',
    sub: D('10-10'),
    respDue: D('10-10', '05'),
    resp: D('10-10', '09'),
    handleDue: D('10-13', '09'),
    replied: D('10-14', '09'),
    closed: D('10-15'),
    rating: 'basically_satisfied',
    rework: 1,
    events: [
      ['department_accept', 'qh.handler', D('10-10', '09')],
      ['reply', 'qh.handler', D('10-12', '09')],
      ['verify_fail', 'guihua.grid', D('10-13')],
      ['reply', 'qh.handler', D('10-14', '09')],
    ],
  },
  {
    key: 'G3',
    area: 'JZ-QH-01-01-G02',
    cat: 'HW-01',
    dept: 'QH-01-ZF',
    state: 'rated',
    sub: D('10-20'),
    respDue: D('10-20', '05'),
    resp: D('10-20', '03'),
    handleDue: D('10-23', '03'),
    replied: D('10-22', '03'),
    closed: D('10-23'),
    rating: 'unsatisfied',
    events: [
      ['department_accept', 'guihua.handler', D('10-20', '03')],
      ['reply', 'guihua.handler', D('10-22', '03')],
    ],
  },
  {
    key: 'G4',
    area: 'JZ-QH-01-01-G02',
    cat: 'HW-01',
    dept: 'QH-01-ZF',
    state: 'closed',
    sub: D('11-02'),
    respDue: D('11-02', '05'),
    resp: D('11-02', '02'),
    handleDue: D('11-05', '02'),
    replied: D('11-04', '02'),
    closed: D('11-06', '13'),
    reopen: 1,
    events: [
      ['department_accept', 'guihua.handler', D('11-02', '02')],
      ['reply', 'guihua.handler', D('11-03', '02')],
      ['reopen', 'guihua.staff', D('11-03', '08')],
      ['reply', 'guihua.mediator', D('11-04', '02')],
      ['close', 'guihua.staff', D('11-06', '13')],
    ],
  },
  {
    key: 'G5',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: null,
    state: 'rejected',
    sub: D('10-12'),
    respDue: D('10-12', '05'),
    events: [['reject', 'guihua.staff', D('10-12', '02')]],
  },
  {
    key: 'G6',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: null,
    state: 'merged',
    sub: D('11-10'),
    respDue: D('11-10', '05'),
    mergedInto: 'G7',
  },
  {
    key: 'G7',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'in_progress',
    sub: D('11-09'),
    respDue: D('11-09', '05'),
    resp: D('11-09', '04'),
    handleDue: D('11-12', '04'),
    stageDue: D('11-12', '04'),
    events: [['department_accept', 'qh.handler', D('11-09', '04')]],
  },
  {
    key: 'G8',
    area: 'JZ-QH-01-01-G02',
    cat: 'HW-01',
    dept: 'QH-01-ZF',
    state: 'dispatched',
    sub: D('11-23', '00'),
    respDue: D('11-23', '04'),
    stageDue: D('11-23', '04'),
  },
  {
    key: 'G9',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'rated',
    sub: '2026-09-30T15:59:59.999Z',
    respDue: D('09-30', '20'),
    resp: D('09-30', '17'),
    handleDue: D('10-03'),
    replied: D('10-02'),
    closed: D('10-02', '05'),
    rating: 'satisfied',
    events: [
      ['department_accept', 'qh.handler', D('09-30', '17')],
      ['reply', 'qh.handler', D('10-02')],
    ],
  },
  {
    key: 'G10',
    area: 'JZ-QH-01-01-G01',
    cat: 'DL-03',
    dept: null,
    state: 'submitted',
    sub: '2026-09-30T16:00:00.000Z',
    respDue: D('09-30', '20'),
    stageDue: D('09-30', '20'),
  },
  {
    key: 'L1',
    area: 'JZ-QH-01-02-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'closed',
    sub: D('10-16'),
    respDue: D('10-16', '05'),
    resp: D('10-16', '02'),
    handleDue: D('10-19', '02'),
    replied: D('10-18', '02'),
    closed: D('10-19'),
    events: [
      ['department_accept', 'qh.handler', D('10-16', '02')],
      ['reply', 'qh.handler', D('10-18', '02')],
    ],
  },
  {
    key: 'C1',
    area: 'JZ-QH-02-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'rated',
    sub: D('10-06'),
    respDue: D('10-06', '05'),
    resp: D('10-06', '03'),
    handleDue: D('10-09', '03'),
    replied: D('10-08', '03'),
    closed: D('10-08', '07'),
    rating: 'satisfied',
    solved: true,
    events: [
      ['department_accept', 'qh.handler', D('10-06', '03')],
      ['reply', 'qh.handler', D('10-08', '03')],
    ],
  },
  {
    key: 'C2',
    area: 'JZ-QH-02-01-G01',
    cat: 'SR-05',
    dept: 'QH-02-ZF',
    state: 'closed',
    sub: D('10-15'),
    respDue: D('10-15', '05'),
    resp: D('10-15', '05'),
    handleDue: D('10-20', '05'),
    replied: D('10-20', '05'),
    closed: D('10-21'),
    reporter: 'guihua.staff',
    events: [
      ['department_accept', 'cuizhu.handler', D('10-15', '05')],
      ['reply', 'cuizhu.handler', D('10-20', '05')],
    ],
  },
  {
    key: 'C3',
    area: 'JZ-QH-02-01-G01',
    cat: 'DL-03',
    dept: null,
    state: 'rejected',
    sub: D('11-03'),
    respDue: D('11-03', '05'),
  },
  {
    key: 'C4',
    area: 'JZ-QH-02-01-G01',
    cat: 'SR-05',
    dept: 'QH-02-ZF',
    state: 'replied',
    sub: D('11-05'),
    respDue: D('11-05', '05'),
    resp: D('11-05', '08'),
    handleDue: D('11-10', '08'),
    replied: D('11-20', '08'),
    stageDue: D('11-25', '08'),
    events: [
      ['department_accept', 'cuizhu.handler', D('11-05', '08')],
      ['reply', 'cuizhu.handler', D('11-20', '08')],
    ],
  },
  {
    key: 'C5',
    area: 'JZ-QH-02-01-G01',
    cat: 'DL-03',
    dept: 'QH-CG',
    state: 'verified',
    sub: D('11-11'),
    respDue: D('11-11', '05'),
    resp: D('11-11', '02'),
    handleDue: D('11-14', '02'),
    replied: D('11-13', '02'),
    stageDue: null,
    events: [
      ['department_accept', 'qh.handler', D('11-11', '02')],
      ['reply', 'qh.handler', D('11-13', '02')],
      ['verify_pass', 'cuizhu.grid', D('11-14')],
    ],
  },
  {
    key: 'C6',
    area: 'JZ-QH-02-01-G01',
    cat: 'HW-01',
    dept: 'QH-02-ZF',
    state: 'rated',
    sub: D('10-25'),
    respDue: D('10-25', '05'),
    resp: D('10-25', '04'),
    handleDue: D('10-28', '04'),
    replied: D('10-30', '04'),
    closed: D('10-31'),
    rating: 'unsatisfied',
    rework: 2,
    events: [
      ['department_accept', 'cuizhu.handler', D('10-25', '04')],
      ['reply', 'cuizhu.handler', D('10-30', '04')],
    ],
  },
]

// The figures of one row, in the order of the comment table: written out by hand.
type Fig = [
  total: number,
  departmentAccepted: number,
  departmentAcceptedOnTime: number,
  acceptanceRate: number | null,
  onTimeAcceptanceRate: number | null,
  rejected: number,
  closed: number,
  closureRate: number | null,
  rated: number,
  satisfied: number,
  basicallySatisfied: number,
  unsatisfied: number,
  satisfactionRate: number | null,
  closedOnTime: number,
  onTimeClosureRate: number | null,
  reworked: number,
  reworkRate: number | null,
  averageHandlingHours: number | null,
  open: number,
  overdue: number,
  solved: number,
  resolutionRate: number | null,
]
const fig = (f: Fig) => ({
  total: f[0],
  departmentAccepted: f[1],
  departmentAcceptedOnTime: f[2],
  acceptanceRate: f[3],
  onTimeAcceptanceRate: f[4],
  rejected: f[5],
  closed: f[6],
  closureRate: f[7],
  rated: f[8],
  satisfied: f[9],
  basicallySatisfied: f[10],
  unsatisfied: f[11],
  satisfactionRate: f[12],
  closedOnTime: f[13],
  onTimeClosureRate: f[14],
  reworked: f[15],
  reworkRate: f[16],
  averageHandlingHours: f[17],
  open: f[18],
  overdue: f[19],
  solved: f[20],
  resolutionRate: f[21],
  // None of this fixture's cases requires contact, is proactive, shelved, returned, answered
  // directly or not rated (see the header).
  contactRequired: 0,
  noContact: f[0],
  contactDue: 0,
  contacted: 0,
  contactedOnTime: 0,
  responseRate: null,
  notRated: 0,
  directAnswers: 0,
  proactive: 0,
  proactiveShare: f[0] > 0 ? 0 : null,
  shelved: 0,
  returns: 0,
  returnDenied: 0,
})

//                         tot acc ontime  accRate onTimeA  rej clo closure rated sat bas uns satisf  cOnT onTimeC rw  rwRate hours  open overdue solved resolution
const DISTRICT = fig([
  15, 11, 9, 0.7333, 0.8182, 2, 8, 0.6154, 5, 2, 1, 2, 0.6, 6, 0.75, 3, 0.375, 101.25, 5, 2, 2, 0.4,
])
const GUIHUA = fig([8, 5, 4, 0.625, 0.8, 1, 4, 0.5714, 3, 1, 1, 1, 0.6667, 3, 0.75, 2, 0.5, 99, 3, 2, 1, 0.3333])
const DONGHU = fig([9, 6, 5, 0.6667, 0.8333, 1, 5, 0.625, 3, 1, 1, 1, 0.6667, 4, 0.8, 2, 0.4, 93.6, 3, 2, 1, 0.3333])
const XIYUAN = fig([6, 5, 4, 0.8333, 0.8, 1, 3, 0.6, 2, 1, 0, 1, 0.5, 2, 0.6667, 1, 0.3333, 114, 2, 0, 1, 0.5])
// QH-CG: G1 G2 G7 L1 C1 C5; QH-01-ZF: G3 G4 G8; QH-02-ZF: C2 C4 C6; none: G5 G10 C3
const QH_CG = fig([6, 6, 5, 1, 0.8333, 0, 4, 0.6667, 3, 2, 1, 0, 1, 3, 0.75, 1, 0.25, 85.5, 2, 1, 2, 0.6667])
const QH_01_ZF = fig([3, 2, 2, 0.6667, 1, 0, 2, 0.6667, 1, 0, 0, 1, 0, 2, 1, 1, 0.5, 90, 1, 0, 0, 0])
const QH_02_ZF = fig([3, 3, 2, 1, 0.6667, 0, 2, 0.6667, 1, 0, 0, 1, 0, 1, 0.5, 1, 0.5, 144, 1, 0, 0, 0])
const NO_DEPT = fig([3, 0, 0, 0, null, 2, 0, 0, 0, 0, 0, 0, null, 0, null, 0, null, null, 1, 1, 0, null])
// October (Shanghai): G1 G2 G3 G5 G10 L1 C1 C2 C6; November: G4 G7 G8 C3 C4 C5
const OCTOBER = fig([9, 7, 6, 0.7778, 0.8571, 1, 7, 0.875, 5, 2, 1, 2, 0.6, 5, 0.7143, 2, 0.2857, 100.29, 1, 1, 2, 0.4])
const NOVEMBER = fig([6, 4, 3, 0.6667, 0.75, 1, 1, 0.2, 0, 0, 0, 0, null, 1, 1, 1, 1, 108, 4, 1, 0, null])

describe.each(backends())('case statistics on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  const t: Record<string, string> = {}
  const ids: Record<string, number> = {}
  const get = (who: string | null, query: string) =>
    call(app, 'GET', `/api/v1/stats/cases${query ? `?${query}` : ''}`, { token: who ? t[who] : null })
  const WINDOW = 'from=2026-10-01&to=2026-12-01'

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-11-23T02:00:00Z')
    app = p.app
    const db = p.database.db
    const users = await db.selectFrom('app_user').select(['id', 'username', 'display_name']).execute()
    const user = (u: string) => users.find((x) => x.username === u)!
    const dept = async (code: string) =>
      (await db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
    const cat = async (code: string) =>
      (await db.selectFrom('case_category').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
    const district = await areaId(p, 'JZ-QH')
    for (const s of fixture) {
      const row = await db
        .insertInto('cases')
        .values({
          tracking_code: `STAT-${s.key}`,
          category_id: await cat(s.cat),
          area_id: await areaId(p, s.area),
          district_id: district,
          channel: 'hotline',
          state: s.state,
          description: `stats fixture ${s.key}`,
          reporter_id: s.reporter ? user(s.reporter).id : null,
          department_id: s.dept ? await dept(s.dept) : null,
          merged_into_id: s.mergedInto ? ids[s.mergedInto]! : null,
          rating: s.rating ?? null,
          rating_status: s.rating ? 'rated' : null,
          solved: s.rating ? (s.solved ?? false) : null,
          rework_count: s.rework ?? 0,
          reopen_count: s.reopen ?? 0,
          submitted_at: at(s.sub),
          response_due_at: at(s.respDue ?? s.sub),
          responded_at: s.resp ? at(s.resp) : null,
          handle_due_at: s.handleDue ? at(s.handleDue) : null,
          replied_at: s.replied ? at(s.replied) : null,
          closed_at: s.closed ? at(s.closed) : null,
          rated_at: s.rating ? new Date(at(s.closed!).getTime() + H) : null,
          stage_due_at: s.stageDue ? at(s.stageDue) : null,
          updated_at: at(s.sub),
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[s.key] = Number(row.id)
    }
    // G6 was inserted before G7 existed: point it at G7 now.
    await db.updateTable('cases').set({ merged_into_id: ids.G7! }).where('id', '=', ids.G6!).execute()
    for (const s of fixture) {
      for (const [action, who, when] of s.events ?? []) {
        await db
          .insertInto('case_event')
          .values({
            case_id: ids[s.key]!,
            at: at(when),
            action,
            from_state: null,
            to_state: s.state,
            actor_id: user(who).id,
            actor_name: user(who).display_name,
            actor_role: 'handler',
          } as never)
          .execute()
      }
    }
    for (const u of ['leader', 'guihua.staff', 'guihua.leader', 'guihua.handler', 'guihua.resident', 'cuizhu.staff'])
      t[u] = await tokenFor(app, u)
  })
  afterAll(() => p?.close())

  it('counts the district totals and every rate by the stated definitions', async () => {
    const res = await get('leader', WINDOW)
    expect(res.status).toBe(200)
    expect(res.body.totals).toEqual({ ...DISTRICT, merged: 1 })
    expect(res.body).toMatchObject({
      from: '2026-09-30T16:00:00.000Z',
      to: '2026-11-30T16:00:00.000Z',
      timezone: 'Asia/Shanghai',
      now: '2026-11-23T02:00:00.000Z',
      groupBy: null,
      groups: [],
    })
    expect(res.body.areas.map((a: any) => a.code)).toEqual(['JZ-QH'])
    for (const k of [
      'responseRate',
      'acceptanceRate',
      'onTimeAcceptanceRate',
      'closureRate',
      'resolutionRate',
      'satisfactionRate',
      'onTimeClosureRate',
      'reworkRate',
      'averageHandlingHours',
      'overdue',
      'population',
    ]) {
      expect(typeof res.body.definitions[k], k).toBe('string')
    }
    // The same area chosen explicitly gives the same answer.
    const explicit = await get('leader', `${WINDOW}&areaId=${await areaId(p, 'JZ-QH')}`)
    expect(explicit.body.totals).toEqual(res.body.totals)
    // The route is documented in the OpenAPI description.
    expect((app.swagger() as { paths: Record<string, unknown> }).paths).toHaveProperty(['/api/v1/stats/cases', 'get'])
  })

  it('groups by the streets below the district, each with its whole subtree', async () => {
    const res = await get('leader', `${WINDOW}&groupBy=area`)
    expect(res.status).toBe(200)
    expect(res.body.groups).toEqual([
      {
        key: await areaId(p, 'JZ-QH-01'),
        code: 'JZ-QH-01',
        nameZh: '东湖街道',
        nameEn: 'Donghu Subdistrict',
        ...DONGHU,
      },
      {
        key: await areaId(p, 'JZ-QH-02'),
        code: 'JZ-QH-02',
        nameZh: '西园街道',
        nameEn: 'Xiyuan Subdistrict',
        ...XIYUAN,
      },
    ])
    expect(res.body.totals).toEqual({ ...DISTRICT, merged: 1 })
    // Below 桂花 the groups are its grids: G01 holds G1 G2 G5 G7 G10, G02 holds G3 G4 G8.
    const grids = await get('leader', `${WINDOW}&groupBy=area&areaId=${await areaId(p, 'JZ-QH-01-01')}`)
    expect(grids.body.groups.map((g: any) => [g.code, g.total, g.closed, g.open])).toEqual([
      ['JZ-QH-01-01-G01', 5, 2, 2],
      ['JZ-QH-01-01-G02', 3, 2, 1],
    ])
  })

  it('groups by department, with a null group for cases never dispatched', async () => {
    const res = await get('leader', `${WINDOW}&groupBy=department`)
    expect(res.body.groups.map((g: any) => g.code)).toEqual(['QH-01-ZF', 'QH-02-ZF', 'QH-CG', null])
    const by = Object.fromEntries(res.body.groups.map((g: any) => [g.code ?? 'none', g]))
    expect(by['QH-CG']).toMatchObject(QH_CG)
    expect(by['QH-01-ZF']).toMatchObject(QH_01_ZF)
    expect(by['QH-02-ZF']).toMatchObject(QH_02_ZF)
    expect(by.none).toMatchObject({ key: null, nameZh: null, ...NO_DEPT })
    // Filtering by a department gives that department's group as totals.
    const cg = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-CG')
      .executeTakeFirstOrThrow()
    const only = await get('leader', `${WINDOW}&departmentId=${cg.id}`)
    expect(only.body.totals).toEqual({ ...QH_CG, merged: 0 })
  })

  it('groups by category, and filters by a parent category', async () => {
    // DL-03: G1 G2 G5 G7 G10 L1 C1 C3 C5; HW-01: G3 G4 G8 C6; SR-05: C2 C4.
    const res = await get('leader', `${WINDOW}&groupBy=category`)
    expect(res.body.groups.map((g: any) => [g.code, g.total])).toEqual([
      ['DL-03', 9],
      ['HW-01', 4],
      ['SR-05', 2],
    ])
    const dl = await p.database.db
      .selectFrom('case_category')
      .select('id')
      .where('code', '=', 'DL')
      .executeTakeFirstOrThrow()
    const roads = await get('leader', `${WINDOW}&categoryId=${dl.id}`)
    expect(roads.body.totals).toMatchObject({ total: 9, rejected: 2, closed: 4, open: 3, merged: 1 })
  })

  it('groups by month in the area’s time zone (G10 is September in UTC, October in Shanghai)', async () => {
    const res = await get('leader', `${WINDOW}&groupBy=month`)
    expect(res.body.groups).toEqual([
      { key: '2026-10', code: null, nameZh: null, nameEn: null, ...OCTOBER },
      { key: '2026-11', code: null, nameZh: null, nameEn: null, ...NOVEMBER },
    ])
    const days = await get('leader', 'from=2026-10-01&to=2026-10-06&groupBy=day')
    // G10 on 10-01 (local), G1 on 10-05; C1 (10-06 09:00 local) lies outside.
    expect(days.body.groups.map((g: any) => [g.key, g.total])).toEqual([
      ['2026-10-01', 1],
      ['2026-10-05', 1],
    ])
  })

  it('groups by the worker of the latest department_accept or reply', async () => {
    const res = await get('leader', `${WINDOW}&groupBy=worker`)
    const names = Object.fromEntries(
      (await p.database.db.selectFrom('app_user').select(['username', 'display_name']).execute()).map((u) => [
        u.display_name,
        u.username,
      ]),
    )
    // qh.handler: G1 G2 G7 L1 C1 C5; guihua.handler: G3; guihua.mediator: G4 (the final reply);
    // cuizhu.handler: C2 C4 C6; nobody yet: G5 G8 G10 C3. G9 (qh.handler) lies outside the window.
    const got = Object.fromEntries(
      res.body.groups.map((g: any) => [g.key === null ? 'none' : names[g.nameZh], g.total]),
    )
    expect(got).toEqual({ 'qh.handler': 6, 'guihua.handler': 1, 'guihua.mediator': 1, 'cuizhu.handler': 3, none: 4 })
    const qh = res.body.groups.find((g: any) => names[g.nameZh] === 'qh.handler')
    // G1 G2 G7 L1 C1 C5: closed G1 G2 L1 C1, on time G1 L1 C1; accepted on time all but G2.
    expect(qh).toMatchObject({
      departmentAccepted: 6,
      departmentAcceptedOnTime: 5,
      closed: 4,
      closedOnTime: 3,
      onTimeClosureRate: 0.75,
      open: 2,
      overdue: 1,
    })
    expect(res.body.groups.reduce((n: number, g: any) => n + g.total, 0)).toBe(15)
  })

  it('takes from inclusive and to exclusive, and defaults to the last 30 days', async () => {
    // G9 at 15:59:59.999Z, G10 at 16:00:00Z, G1 at 10-05T01:00Z.
    const exact = await get('leader', 'from=2026-09-30T16:00:00Z&to=2026-10-05T01:00:00Z')
    expect(exact.body.totals.total).toBe(1) // G10 only
    const earlier = await get('leader', 'from=2026-09-30T15:59:59.999Z&to=2026-10-05T01:00:00Z')
    expect(earlier.body.totals.total).toBe(2) // G9 + G10
    const later = await get('leader', 'from=2026-09-30T16:00:00.001Z&to=2026-10-05T01:00:00.001Z')
    expect(later.body.totals.total).toBe(1) // G1 only
    const offset = await get('leader', 'from=2026-10-01T00:00:00%2B08:00&to=2026-10-05T09:00:00%2B08:00')
    expect(offset.body.totals.total).toBe(1) // G10 only: the same instants with an offset
    // Default: [2026-10-24T02:00Z, now): C6 G4 C3 C4 G7 C5 G8 (G6 merged).
    const dflt = await get('leader', '')
    expect(dflt.body).toMatchObject({
      from: '2026-10-24T02:00:00.000Z',
      to: '2026-11-23T02:00:00.000Z',
      totals: { total: 7, merged: 1 },
    })
    // An empty window has no rate at all, never NaN.
    const empty = await get('leader', 'from=2020-01-01&to=2020-02-01&groupBy=month')
    expect(empty.body.totals).toMatchObject({
      total: 0,
      responseRate: null,
      acceptanceRate: null,
      closureRate: null,
      resolutionRate: null,
      satisfactionRate: null,
      averageHandlingHours: null,
    })
    expect(empty.body.groups).toEqual([])
  })

  it('confines every figure to the caller’s areas', async () => {
    // guihua.staff reported C2 in 翠竹 and may read it, but it is not in 桂花's statistics.
    const staff = await get('guihua.staff', WINDOW)
    expect(staff.status).toBe(200)
    expect(staff.body.totals).toEqual({ ...GUIHUA, merged: 1 })
    expect(staff.body.areas.map((a: any) => a.code)).toEqual(['JZ-QH-01-01'])
    const leaderOfGuihua = await get('leader', `${WINDOW}&areaId=${await areaId(p, 'JZ-QH-01-01')}`)
    expect(leaderOfGuihua.body.totals).toEqual(staff.body.totals)
    const cuizhu = await get('cuizhu.staff', WINDOW)
    expect(cuizhu.body.totals.total).toBe(6)
    const handler = await get('guihua.handler', WINDOW)
    expect(handler.body.totals.total).toBe(8)

    for (const code of ['JZ-QH-02-01', 'JZ-QH']) {
      const out = await get('guihua.staff', `${WINDOW}&areaId=${await areaId(p, code)}`)
      expect(out.status).toBe(403)
      expect(out.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'areaId' })
    }
    expect((await get('guihua.resident', WINDOW)).status).toBe(403)
    expect((await get(null, WINDOW)).status).toBe(401)
  })

  it('refuses bad input with a 400 naming the field', async () => {
    const cases: [string, number, string][] = [
      ['from=2026-12-01&to=2026-10-01', 400, 'from'],
      ['from=2026-10-01&to=2026-10-01', 400, 'from'],
      ['from=2026-12-01', 400, 'from'], // after the default to (now)
      ['groupBy=street', 400, 'groupBy'],
      ['from=yesterday', 400, 'from'],
      ['to=2026-02-30', 400, 'to'],
      ['areaId=abc', 400, 'areaId'],
      ['colour=red', 400, 'colour'],
      ['areaId=999999', 404, 'areaId'],
      ['departmentId=999999', 404, 'departmentId'],
      ['categoryId=999999', 404, 'categoryId'],
    ]
    for (const [q, status, field] of cases) {
      const res = await get('leader', q)
      expect({ q, status: res.status, field: res.body.error?.field }).toEqual({ q, status, field })
    }
  })
})

import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { compositeScore } from './evaluation.js'

// The three rates as 12345 counts them (GET /api/v1/stats/cases) and the GB/T 30428 evaluation over
// due cases (GET /api/v1/stats/evaluation), on a statistics fixture counted by hand. The rows are
// inserted directly with exact times, each in a state the workflow produces (noted per case). The
// clock stands at 2026-12-01T02:00Z (10:00 on 1 December in Shanghai, UTC+8). Times below are UTC.
//
// Satisfaction weights: the district JZ-QH sets satisfied 1, basically satisfied 0.6, unsatisfied 0;
// the street 西园 (JZ-QH-02) sets 1, 1, 0.2. A report on the district (or on 桂花, which inherits
// the district's) uses 1/0.6/0; a report on 西园 uses 1/1/0.2.
//
// Grids: 桂G01 = JZ-QH-01-01-G01, 桂G02 = JZ-QH-01-01-G02 (community 桂花, street 东湖),
// 柳G01 = JZ-QH-01-02-G01 (柳岸, 东湖), 翠G01 = JZ-QH-02-01-G01 (翠竹, street 西园).
// Departments: QH-CG (handler qh.handler), QH-01-ZF (guihua.handler), QH-02-ZF (cuizhu.handler).
//
// E1  桂G01 QH-CG    rated   hotline. Contact due 10-04 01, contacted 10-03 05 (on time). Handle due 10-10,
//                             replied 10-08 (on time), closed 10-09. Rated satisfied, solved. 144 h.
// E2  桂G01 QH-CG    rated   hotline. Contacted 10-06 05 after its limit 10-06 01 (LATE). One approved
//                             extension: handle due moved to 10-20 03, replied 10-19 (on time), closed 10-20.
//                             Basically satisfied, solved. 360 h.
// E3  桂G02 QH-01-ZF rated   portal. Contacted on time. Failed verification once (rework 1); handle due
//                             10-15, final reply 10-17 (LATE), closed 10-18. Unsatisfied, not solved. 240 h.
// E4  桂G02 QH-01-ZF closed  hotline. guihua.handler returned it 10-12 02, triage DENIED the return 10-12 03
//                             (return_count 1, denied 1); accepted 10-12 04, contacted on time, handle due
//                             10-19 04, replied 10-18 (on time), closed 10-19. Call-back: not reached three
//                             times → not rated (不参评). 168 h.
// E5  柳G01 QH-CG    rated   hotline. Dispatched to QH-01-ZF, whose handler returned it 10-14 02; the return
//                             was APPROVED and it went to QH-CG (return_count 1). Contacted on time; handle
//                             due 10-21 04, replied 10-20 (on time), closed 10-21. Satisfied, solved. 168 h.
// E6  桂G01 —        rated   hotline enquiry ANSWERED DIRECTLY 10-16 03 (closed without dispatch: no contact
//                             clock, no handling deadline), then rated satisfied, solved at the call-back. 2 h.
// E7  翠G01 QH-02-ZF closed  PROACTIVE (未诉先办): no contact, not rateable. Handle due 10-27, replied 10-26,
//                             closed 10-27 (on time). 168 h.
// E8  翠G01 QH-02-ZF closed  patrol: no contact, not rateable. Handle due 10-29 02 (October), replied 10-31
//                             (LATE), closed 11-02 01 (November). 264 h.
// E9  翠G01 QH-02-ZF shelved hotline. Contacted on time. Handle due 11-01 05 (13:00 on 1 November in
//                             Shanghai: November); SHELVED 10-31 with a leader's approval.
// E10 桂G01 QH-CG    closed  hotline from an ANONYMOUS caller without any contact detail: no contact
//                             required, nobody to rate. Handle due 11-09, replied 11-06, closed 11-07. 120 h.
// E11 桂G02 QH-01-ZF rated   hotline. Contacted on time. Handle due 11-10; replied 11-08, closed, rated, then
//                             REOPENED 11-10 (reopen 1); final reply 11-12 (LATE), closed 11-13. Basically
//                             satisfied, not solved. 240 h.
// E12 桂G01 QH-CG    in_progress hotline. Accepted 11-20 09 after its limit 11-20 05 (late acceptance).
//                             Contact due 11-21 09, never contacted. Handle due (and stage due) 11-27 09: overdue.
// E13 柳G01 QH-CG    dispatched hotline submitted 11-30 08 (16:00 local); contact due 12-01 08, after now: PENDING.
// E14 翠G01 QH-02-ZF rated   hotline. Contacted 11-06 03 after its limit 11-06 01 (LATE). One approved
//                             extension: handle due 11-19, replied 11-18 (on time), closed 11-19. Unsatisfied,
//                             not solved. 336 h.
// E15 翠G01 —        rejected portal report found invalid on site (verifying → invalidate): no contact clock.
// E16 桂G02 QH-01-ZF closed  hotline. Contacted on time. Handle due 11-17, replied 11-16, closed 11-17.
//                             Call-back: the requester declined → not rated. 168 h.
// E17 桂G01 —        merged into E12 (submitted 11-20 02): outside every population.
// E18 桂G01 QH-CG    rated   hotline submitted 09-25 (before the window of /stats/cases). Handle due 09-30 02
//                             (September), replied 10-02 (LATE), closed 10-03 (October). Satisfied, solved.
// E19 柳G01 QH-CG    closed  PROACTIVE. Handle due 11-22, replied 11-21, closed 11-22 (on time). 168 h.
//
// Every case but E13 and E15 was accepted by its department before response_due_at, except E12.

const at = (s: string) => new Date(s)
const D = (md: string, hh = '01') => `2026-${md}T${hh}:00:00.000Z`

interface Spec {
  key: string
  grid: string
  dept: string | null
  state: string
  channel: string
  sub: string
  respDue?: string
  resp?: string
  contactRequired?: boolean
  rateable?: boolean
  contactDue?: string
  contacted?: string
  handleDue?: string
  replied?: string
  closed?: string
  ratingStatus?: 'rated' | 'not_rated'
  rating?: 'satisfied' | 'basically_satisfied' | 'unsatisfied'
  solved?: boolean
  rework?: number
  reopen?: number
  extensions?: number
  returns?: number
  returnsDenied?: number
  direct?: boolean
  callbacks?: number
  shelved?: string
  stageDue?: string
  mergedInto?: string
  /** case_event rows: [action, actor username, time, department code of the event]. */
  events?: [string, string, string, string?][]
}

const fixture: Spec[] = [
  {
    key: 'E1',
    grid: 'JZ-QH-01-01-G01',
    dept: 'QH-CG',
    state: 'rated',
    channel: 'hotline',
    sub: D('10-03'),
    respDue: D('10-03', '05'),
    resp: D('10-03', '02'),
    contactRequired: true,
    contactDue: D('10-04'),
    contacted: D('10-03', '05'),
    handleDue: D('10-10', '02'),
    replied: D('10-08', '02'),
    closed: D('10-09'),
    ratingStatus: 'rated',
    rating: 'satisfied',
    solved: true,
    events: [
      ['department_accept', 'qh.handler', D('10-03', '02'), 'QH-CG'],
      ['reply', 'qh.handler', D('10-08', '02'), 'QH-CG'],
    ],
  },
  {
    key: 'E2',
    grid: 'JZ-QH-01-01-G01',
    dept: 'QH-CG',
    state: 'rated',
    channel: 'hotline',
    sub: D('10-05'),
    respDue: D('10-05', '05'),
    resp: D('10-05', '03'),
    contactRequired: true,
    contactDue: D('10-06'),
    contacted: D('10-06', '05'),
    extensions: 1,
    handleDue: D('10-20', '03'),
    replied: D('10-19', '03'),
    closed: D('10-20'),
    ratingStatus: 'rated',
    rating: 'basically_satisfied',
    solved: true,
    events: [
      ['department_accept', 'qh.handler', D('10-05', '03'), 'QH-CG'],
      ['reply', 'qh.handler', D('10-19', '03'), 'QH-CG'],
    ],
  },
  {
    key: 'E3',
    grid: 'JZ-QH-01-01-G02',
    dept: 'QH-01-ZF',
    state: 'rated',
    channel: 'portal',
    sub: D('10-08'),
    respDue: D('10-08', '05'),
    resp: D('10-08', '02'),
    contactRequired: true,
    contactDue: D('10-09'),
    contacted: D('10-08', '04'),
    rework: 1,
    handleDue: D('10-15', '02'),
    replied: D('10-17', '02'),
    closed: D('10-18'),
    ratingStatus: 'rated',
    rating: 'unsatisfied',
    solved: false,
    events: [
      ['department_accept', 'guihua.handler', D('10-08', '02'), 'QH-01-ZF'],
      ['reply', 'guihua.handler', D('10-12', '02'), 'QH-01-ZF'],
      ['verify_fail', 'guihua.grid', D('10-13')],
      ['reply', 'guihua.handler', D('10-17', '02'), 'QH-01-ZF'],
    ],
  },
  {
    key: 'E4',
    grid: 'JZ-QH-01-01-G02',
    dept: 'QH-01-ZF',
    state: 'closed',
    channel: 'hotline',
    sub: D('10-12'),
    respDue: D('10-12', '05'),
    resp: D('10-12', '04'),
    contactRequired: true,
    contactDue: D('10-13'),
    contacted: D('10-12', '06'),
    returns: 1,
    returnsDenied: 1,
    handleDue: D('10-19', '04'),
    replied: D('10-18', '04'),
    closed: D('10-19'),
    ratingStatus: 'not_rated',
    callbacks: 3,
    events: [
      ['return', 'guihua.handler', D('10-12', '02'), 'QH-01-ZF'],
      ['deny_return', 'guihua.staff', D('10-12', '03')],
      ['department_accept', 'guihua.handler', D('10-12', '04'), 'QH-01-ZF'],
      ['reply', 'guihua.handler', D('10-18', '04'), 'QH-01-ZF'],
    ],
  },
  {
    key: 'E5',
    grid: 'JZ-QH-01-02-G01',
    dept: 'QH-CG',
    state: 'rated',
    channel: 'hotline',
    sub: D('10-14'),
    respDue: D('10-14', '05'),
    resp: D('10-14', '04'),
    contactRequired: true,
    contactDue: D('10-15', '04'),
    contacted: D('10-14', '06'),
    returns: 1,
    handleDue: D('10-21', '04'),
    replied: D('10-20', '04'),
    closed: D('10-21'),
    ratingStatus: 'rated',
    rating: 'satisfied',
    solved: true,
    events: [
      ['return', 'guihua.handler', D('10-14', '02'), 'QH-01-ZF'],
      ['approve_return', 'guihua.staff', D('10-14', '03')],
      ['department_accept', 'qh.handler', D('10-14', '04'), 'QH-CG'],
      ['reply', 'qh.handler', D('10-20', '04'), 'QH-CG'],
    ],
  },
  {
    key: 'E6',
    grid: 'JZ-QH-01-01-G01',
    dept: null,
    state: 'rated',
    channel: 'hotline',
    sub: D('10-16'),
    respDue: D('10-16', '05'),
    contactRequired: true,
    direct: true,
    closed: D('10-16', '03'),
    ratingStatus: 'rated',
    rating: 'satisfied',
    solved: true,
    events: [['answer_directly', 'guihua.staff', D('10-16', '03')]],
  },
  {
    key: 'E7',
    grid: 'JZ-QH-02-01-G01',
    dept: 'QH-02-ZF',
    state: 'closed',
    channel: 'proactive',
    rateable: false,
    sub: D('10-20'),
    respDue: D('10-20', '05'),
    resp: D('10-20', '02'),
    handleDue: D('10-27', '02'),
    replied: D('10-26', '02'),
    closed: D('10-27'),
    events: [
      ['department_accept', 'cuizhu.handler', D('10-20', '02'), 'QH-02-ZF'],
      ['reply', 'cuizhu.handler', D('10-26', '02'), 'QH-02-ZF'],
    ],
  },
  {
    key: 'E8',
    grid: 'JZ-QH-02-01-G01',
    dept: 'QH-02-ZF',
    state: 'closed',
    channel: 'patrol',
    rateable: false,
    sub: D('10-22'),
    respDue: D('10-22', '05'),
    resp: D('10-22', '02'),
    handleDue: D('10-29', '02'),
    replied: D('10-31', '02'),
    closed: D('11-02'),
    events: [
      ['department_accept', 'cuizhu.handler', D('10-22', '02'), 'QH-02-ZF'],
      ['reply', 'cuizhu.handler', D('10-31', '02'), 'QH-02-ZF'],
    ],
  },
  {
    key: 'E9',
    grid: 'JZ-QH-02-01-G01',
    dept: 'QH-02-ZF',
    state: 'shelved',
    channel: 'hotline',
    sub: D('10-25'),
    respDue: D('10-25', '05'),
    resp: D('10-25', '02'),
    contactRequired: true,
    contactDue: D('10-26'),
    contacted: D('10-25', '03'),
    handleDue: D('11-01', '05'),
    shelved: D('10-31'),
    events: [
      ['department_accept', 'cuizhu.handler', D('10-25', '02'), 'QH-02-ZF'],
      ['request_shelving', 'cuizhu.handler', D('10-30'), 'QH-02-ZF'],
      ['shelve', 'leader', D('10-31')],
    ],
  },
  {
    key: 'E10',
    grid: 'JZ-QH-01-01-G01',
    dept: 'QH-CG',
    state: 'closed',
    channel: 'hotline',
    sub: D('11-02'),
    respDue: D('11-02', '05'),
    resp: D('11-02', '02'),
    handleDue: D('11-09', '02'),
    replied: D('11-06', '02'),
    closed: D('11-07'),
    events: [
      ['department_accept', 'qh.handler', D('11-02', '02'), 'QH-CG'],
      ['reply', 'qh.handler', D('11-06', '02'), 'QH-CG'],
    ],
  },
  {
    key: 'E11',
    grid: 'JZ-QH-01-01-G02',
    dept: 'QH-01-ZF',
    state: 'rated',
    channel: 'hotline',
    sub: D('11-03'),
    respDue: D('11-03', '05'),
    resp: D('11-03', '02'),
    contactRequired: true,
    contactDue: D('11-04'),
    contacted: D('11-03', '05'),
    reopen: 1,
    handleDue: D('11-10', '02'),
    replied: D('11-12', '02'),
    closed: D('11-13'),
    ratingStatus: 'rated',
    rating: 'basically_satisfied',
    solved: false,
    events: [
      ['department_accept', 'guihua.handler', D('11-03', '02'), 'QH-01-ZF'],
      ['reply', 'guihua.handler', D('11-08', '02'), 'QH-01-ZF'],
      ['reopen', 'guihua.staff', D('11-10')],
      ['reply', 'guihua.handler', D('11-12', '02'), 'QH-01-ZF'],
    ],
  },
  {
    key: 'E12',
    grid: 'JZ-QH-01-01-G01',
    dept: 'QH-CG',
    state: 'in_progress',
    channel: 'hotline',
    sub: D('11-20'),
    respDue: D('11-20', '05'),
    resp: D('11-20', '09'),
    contactRequired: true,
    contactDue: D('11-21', '09'),
    handleDue: D('11-27', '09'),
    stageDue: D('11-27', '09'),
    events: [['department_accept', 'qh.handler', D('11-20', '09'), 'QH-CG']],
  },
  {
    key: 'E13',
    grid: 'JZ-QH-01-02-G01',
    dept: 'QH-CG',
    state: 'dispatched',
    channel: 'hotline',
    sub: D('11-30', '08'),
    respDue: D('12-01', '08'),
    contactRequired: true,
    contactDue: D('12-01', '08'),
    stageDue: D('12-01', '08'),
  },
  {
    key: 'E14',
    grid: 'JZ-QH-02-01-G01',
    dept: 'QH-02-ZF',
    state: 'rated',
    channel: 'hotline',
    sub: D('11-05'),
    respDue: D('11-05', '05'),
    resp: D('11-05', '02'),
    contactRequired: true,
    contactDue: D('11-06'),
    contacted: D('11-06', '03'),
    extensions: 1,
    handleDue: D('11-19', '02'),
    replied: D('11-18', '02'),
    closed: D('11-19'),
    ratingStatus: 'rated',
    rating: 'unsatisfied',
    solved: false,
    events: [
      ['department_accept', 'cuizhu.handler', D('11-05', '02'), 'QH-02-ZF'],
      ['reply', 'cuizhu.handler', D('11-18', '02'), 'QH-02-ZF'],
    ],
  },
  {
    key: 'E15',
    grid: 'JZ-QH-02-01-G01',
    dept: null,
    state: 'rejected',
    channel: 'portal',
    sub: D('11-08'),
    respDue: D('11-08', '05'),
    contactRequired: true,
    events: [['invalidate', 'cuizhu.grid', D('11-08', '05')]],
  },
  {
    key: 'E16',
    grid: 'JZ-QH-01-01-G02',
    dept: 'QH-01-ZF',
    state: 'closed',
    channel: 'hotline',
    sub: D('11-10'),
    respDue: D('11-10', '05'),
    resp: D('11-10', '02'),
    contactRequired: true,
    contactDue: D('11-11'),
    contacted: D('11-10', '04'),
    handleDue: D('11-17', '02'),
    replied: D('11-16', '02'),
    closed: D('11-17'),
    ratingStatus: 'not_rated',
    callbacks: 1,
    events: [
      ['department_accept', 'guihua.handler', D('11-10', '02'), 'QH-01-ZF'],
      ['reply', 'guihua.handler', D('11-16', '02'), 'QH-01-ZF'],
    ],
  },
  {
    key: 'E17',
    grid: 'JZ-QH-01-01-G01',
    dept: null,
    state: 'merged',
    channel: 'hotline',
    sub: D('11-20', '02'),
    respDue: D('11-20', '06'),
    contactRequired: true,
    mergedInto: 'E12',
  },
  {
    key: 'E18',
    grid: 'JZ-QH-01-01-G01',
    dept: 'QH-CG',
    state: 'rated',
    channel: 'hotline',
    sub: D('09-25'),
    respDue: D('09-25', '05'),
    resp: D('09-25', '02'),
    contactRequired: true,
    contactDue: D('09-26'),
    contacted: D('09-25', '03'),
    handleDue: D('09-30', '02'),
    replied: D('10-02', '02'),
    closed: D('10-03'),
    ratingStatus: 'rated',
    rating: 'satisfied',
    solved: true,
    events: [
      ['department_accept', 'qh.handler', D('09-25', '02'), 'QH-CG'],
      ['reply', 'qh.handler', D('10-02', '02'), 'QH-CG'],
    ],
  },
  {
    key: 'E19',
    grid: 'JZ-QH-01-02-G01',
    dept: 'QH-CG',
    state: 'closed',
    channel: 'proactive',
    rateable: false,
    sub: D('11-15'),
    respDue: D('11-15', '05'),
    resp: D('11-15', '02'),
    handleDue: D('11-22', '02'),
    replied: D('11-21', '02'),
    closed: D('11-22'),
    events: [
      ['department_accept', 'qh.handler', D('11-15', '02'), 'QH-CG'],
      ['reply', 'qh.handler', D('11-21', '02'), 'QH-CG'],
    ],
  },
]

describe.each(backends())('12345 rates and GB/T 30428 evaluation on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  const t: Record<string, string> = {}
  const stats = (who: string | null, query: string) =>
    call(app, 'GET', `/api/v1/stats/cases?${query}`, { token: who ? t[who] : null })
  const evaluation = (who: string | null, query: string) =>
    call(app, 'GET', `/api/v1/stats/evaluation${query ? `?${query}` : ''}`, { token: who ? t[who] : null })
  const OCT = 'from=2026-10-01&to=2026-11-01'
  const NOV = 'from=2026-11-01&to=2026-12-01'
  const codes: Record<string, number> = {}

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-12-01T02:00:00Z')
    app = p.app
    const db = p.database.db
    const users = await db.selectFrom('app_user').select(['id', 'username', 'display_name']).execute()
    const user = (u: string) => users.find((x) => x.username === u)!
    const dept = async (code: string) =>
      (await db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
    for (const c of ['QH-CG', 'QH-01-ZF', 'QH-02-ZF']) codes[c] = await dept(c)
    const category = (
      await db.selectFrom('case_category').select('id').where('code', '=', 'DL-03').executeTakeFirstOrThrow()
    ).id
    const district = await areaId(p, 'JZ-QH')
    await sql`insert into case_rules (area_id, rules, updated_at) values
      (${district}, ${JSON.stringify({ satisfactionWeights: { satisfied: 1, basicallySatisfied: 0.6, unsatisfied: 0 } })}::jsonb, now()),
      (${await areaId(p, 'JZ-QH-02')}, ${JSON.stringify({ satisfactionWeights: { satisfied: 1, basicallySatisfied: 1, unsatisfied: 0.2 } })}::jsonb, now())
      on conflict (area_id) do update set rules = excluded.rules`.execute(db)
    const ids: Record<string, number> = {}
    for (const s of fixture) {
      const row = await db
        .insertInto('cases')
        .values({
          tracking_code: `EVAL-${s.key}`,
          category_id: category,
          area_id: await areaId(p, s.grid),
          district_id: district,
          channel: s.channel,
          state: s.state,
          description: `evaluation fixture ${s.key}`,
          department_id: s.dept ? codes[s.dept]! : null,
          merged_into_id: s.mergedInto ? ids[s.mergedInto]! : null,
          submitted_at: at(s.sub),
          response_due_at: at(s.respDue ?? s.sub),
          responded_at: s.resp ? at(s.resp) : null,
          dispatched_at: s.dept ? at(s.resp ?? s.sub) : null,
          contact_required: s.contactRequired ?? false,
          contact_due_at: s.contactDue ? at(s.contactDue) : null,
          contacted_at: s.contacted ? at(s.contacted) : null,
          rateable: s.rateable ?? true,
          handle_due_at: s.handleDue ? at(s.handleDue) : null,
          replied_at: s.replied ? at(s.replied) : null,
          closed_at: s.closed ? at(s.closed) : null,
          rating_status: s.ratingStatus ?? null,
          rating: s.rating ?? null,
          solved: s.ratingStatus === 'rated' ? (s.solved ?? false) : null,
          rated_at: s.ratingStatus === 'rated' ? at(s.closed!) : null,
          callback_attempts: s.callbacks ?? 0,
          rework_count: s.rework ?? 0,
          reopen_count: s.reopen ?? 0,
          extension_count: s.extensions ?? 0,
          return_count: s.returns ?? 0,
          return_denied_count: s.returnsDenied ?? 0,
          direct_answer: s.direct ?? false,
          shelved_at: s.shelved ? at(s.shelved) : null,
          shelved_count: s.shelved ? 1 : 0,
          stage_due_at: s.stageDue ? at(s.stageDue) : null,
          updated_at: at(s.sub),
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[s.key] = Number(row.id)
      for (const [action, who, when, deptCode] of s.events ?? [])
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
            actor_role: deptCode ? 'handler' : 'triage',
            department_id: deptCode ? codes[deptCode]! : null,
          } as never)
          .execute()
    }
    for (const u of ['leader', 'guihua.staff', 'guihua.resident']) t[u] = await tokenFor(app, u)
  })
  afterAll(() => p?.close())

  it('counts the three 12345 rates and the figures around them over the cases submitted in the window', async () => {
    // Window 10-01..12-01 (Shanghai): E1-E16 and E19 = 17 cases; E17 merged; E18 submitted in September.
    const res = await stats('leader', 'from=2026-10-01&to=2026-12-01')
    expect(res.status).toBe(200)
    expect(res.body.areas).toEqual([
      {
        id: await areaId(p, 'JZ-QH'),
        code: 'JZ-QH',
        nameZh: expect.any(String),
        nameEn: expect.any(String),
        satisfactionWeights: { satisfied: 1, basicallySatisfied: 0.6, unsatisfied: 0 },
      },
    ])
    expect(res.body.totals).toEqual({
      total: 17,
      // Requires contact: E1-E6 E9 E11-E16 = 13; no contact: proactive E7 E19, patrol E8, anonymous E10.
      contactRequired: 13,
      noContact: 4,
      // Due for contact: the 13 without E6 (direct answer), E15 (rejected): no clock; E13: limit still running.
      contactDue: 10,
      contacted: 9, // all but E12
      contactedOnTime: 7, // not E2, E14 (late)
      responseRate: 0.7, // 7/10
      rated: 7, // E1 E2 E3 E5 E6 E11 E14
      solved: 4, // E1 E2 E5 E6
      resolutionRate: 0.5714, // 4/7
      satisfied: 3, // E1 E5 E6
      basicallySatisfied: 2, // E2 E11
      unsatisfied: 2, // E3 E14
      satisfactionRate: 0.6, // (3·1 + 2·0.6 + 2·0) / 7 = 4.2/7
      notRated: 2, // E4 E16
      directAnswers: 1, // E6
      proactive: 2, // E7 E19
      proactiveShare: 0.1176, // 2/17
      shelved: 1, // E9
      returns: 2, // E4 (denied), E5 (approved)
      returnDenied: 1, // E4
      departmentAccepted: 14, // all but E6 E13 E15
      departmentAcceptedOnTime: 13, // not E12
      acceptanceRate: 0.8235, // 14/17
      onTimeAcceptanceRate: 0.9286, // 13/14
      rejected: 1, // E15
      closed: 13, // E1-E8 but none shelved: E1 E2 E3 E4 E5 E6 E7 E8 E10 E11 E14 E16 E19
      closureRate: 0.8125, // 13/16
      closedOnTime: 9, // not E3 E8 E11 (late) nor E6 (no handling deadline)
      onTimeClosureRate: 0.6923, // 9/13
      reworked: 2, // E3 (rework), E11 (reopened)
      reworkRate: 0.1538, // 2/13
      // (144+360+240+168+168+2+168+264+120+240+336+168+168)/13 = 2546/13 = 195.846
      averageHandlingHours: 195.85,
      open: 2, // E12 E13
      overdue: 1, // E12
      merged: 1, // E17
    })
    for (const k of ['responseRate', 'resolutionRate', 'satisfactionRate', 'contactDue', 'noContact', 'notRated'])
      expect(typeof res.body.definitions[k], k).toBe('string')
  })

  it('counts returns for the department that returned, and the rates per department and street', async () => {
    const res = await stats('leader', 'from=2026-10-01&to=2026-12-01&groupBy=department')
    const by = Object.fromEntries(res.body.groups.map((g: any) => [g.code ?? 'none', g]))
    expect(Object.keys(by)).toEqual(['QH-01-ZF', 'QH-02-ZF', 'QH-CG', 'none'])
    // QH-CG: E1 E2 E5 E10 E12 E13 E19. Contact due E1 E2 E5 E12, on time E1 E5; rated E1 E2 E5, all
    // solved; (2·1 + 1·0.6)/3. E5 was returned by QH-01-ZF, so the return is not QH-CG's.
    expect(by['QH-CG']).toMatchObject({
      total: 7,
      contactDue: 4,
      contactedOnTime: 2,
      responseRate: 0.5,
      rated: 3,
      solved: 3,
      resolutionRate: 1,
      satisfactionRate: 0.8667,
      noContact: 2,
      proactive: 1,
      returns: 0,
      returnDenied: 0,
    })
    // QH-01-ZF: E3 E4 E11 E16, all contacted on time; rated E3 (unsatisfied) E11 (basically), none
    // solved; its returns: E4 (denied) and E5 (approved, the case is now QH-CG's).
    expect(by['QH-01-ZF']).toMatchObject({
      total: 4,
      contactDue: 4,
      contactedOnTime: 4,
      responseRate: 1,
      rated: 2,
      solved: 0,
      resolutionRate: 0,
      satisfactionRate: 0.3,
      notRated: 2,
      returns: 2,
      returnDenied: 1,
    })
    // QH-02-ZF: E7 E8 E9 E14. Contact due E9 E14, on time E9; rated E14 (unsatisfied).
    expect(by['QH-02-ZF']).toMatchObject({
      total: 4,
      contactDue: 2,
      contactedOnTime: 1,
      responseRate: 0.5,
      rated: 1,
      resolutionRate: 0,
      satisfactionRate: 0,
      proactive: 1,
      shelved: 1,
      returns: 0,
    })
    // Never dispatched: E6 (direct answer, rated satisfied, solved), E15 (rejected).
    expect(by.none).toMatchObject({
      total: 2,
      contactRequired: 2,
      contactDue: 0,
      responseRate: null,
      rated: 1,
      resolutionRate: 1,
      satisfactionRate: 1,
      directAnswers: 1,
      rejected: 1,
    })
    expect(res.body.totals).toMatchObject({ returns: 2, returnDenied: 1 })

    // By case (any other grouping) E5's return goes with E5: 东湖 has both returns.
    const streets = await stats('leader', 'from=2026-10-01&to=2026-12-01&groupBy=area')
    // 东湖: E1-E6 E10-E13 E16 E19 = 12. Contact due E1-E5 E11 E12 E16 = 8, on time 6 (not E2 E12);
    // rated E1 E2 E3 E5 E6 E11, solved E1 E2 E5 E6; (3·1 + 2·0.6 + 1·0)/6 = 0.7.
    // 西园: E7 E8 E9 E14 E15 = 5. Contact due E9 E14, on time E9; rated E14 (unsatisfied).
    expect(
      streets.body.groups.map((g: any) => [
        g.code,
        g.total,
        g.responseRate,
        g.resolutionRate,
        g.satisfactionRate,
        g.returns,
        g.proactive,
      ]),
    ).toEqual([
      ['JZ-QH-01', 12, 0.75, 0.6667, 0.7, 2, 1],
      ['JZ-QH-02', 5, 0.5, 0, 0, 0, 1],
    ])
  })

  it('weighs satisfaction by the rules of the area reported on', async () => {
    // On 西园 its own weights apply (1, 1, 0.2): E14, unsatisfied, weighs 0.2.
    const res = await stats('leader', `from=2026-10-01&to=2026-12-01&areaId=${await areaId(p, 'JZ-QH-02')}`)
    expect(res.body.areas[0].satisfactionWeights).toEqual({ satisfied: 1, basicallySatisfied: 1, unsatisfied: 0.2 })
    expect(res.body.totals).toMatchObject({ total: 5, rated: 1, unsatisfied: 1, satisfactionRate: 0.2 })
  })

  it('evaluates October over the cases due or closed in it, ranked by department', async () => {
    // October: due E1 E2 E3 E4 E5 E7 E8, closed in October E18 (due in September) = 8. E6 is a
    // direct answer; E9 falls due on 1 November (Shanghai).
    const res = await evaluation('leader', `${OCT}&groupBy=department`)
    expect(res.status).toBe(200)
    // closed 7 (E8 closed in November), on time E1 E2 E4 E5 E7 = 5; rework E3; extension E2;
    // returned E4 E5; rated E1 E2 E3 E5 E18: (3·1 + 1·0.6 + 1·0)/5 = 0.72.
    // score = 100·(0.3·5/8 + 0.2·7/8 + 0.15·7/8 + 0.1·6/8 + 0.25·0.72) = 74.875 → 74.88
    expect(res.body.totals).toEqual({
      dueCases: 8,
      shelved: 0,
      closed: 7,
      closedOnTime: 5,
      closureRate: 0.875,
      onTimeClosureRate: 0.625,
      reworked: 1,
      reworkRate: 0.125,
      extended: 1,
      extensionRate: 0.125,
      returned: 2,
      returnRate: 0.25,
      rated: 5,
      satisfactionRate: 0.72,
      score: 74.88,
    })
    const rows = res.body.groups.map((g: any) => ({ ...g, nameZh: undefined, nameEn: undefined, key: undefined }))
    expect(rows).toEqual([
      // QH-CG: E1 E2 E5 E18, all closed, on time E1 E2 E5; E2 extended, E5 returned; rated all four:
      // (3 + 0.6)/4 = 0.9. Score 0.3·0.75 + 0.2·1 + 0.15·1 + 0.1·0.75 + 0.25·0.9 = 0.875.
      {
        rank: 1,
        code: 'QH-CG',
        dueCases: 4,
        shelved: 0,
        closed: 4,
        closedOnTime: 3,
        closureRate: 1,
        onTimeClosureRate: 0.75,
        reworked: 0,
        reworkRate: 0,
        extended: 1,
        extensionRate: 0.25,
        returned: 1,
        returnRate: 0.25,
        rated: 4,
        satisfactionRate: 0.9,
        score: 87.5,
      },
      // QH-02-ZF: E7 (closed on time), E8 (closed in November: not closed for October); nobody rated,
      // so satisfaction drops out: (0.3·0.5 + 0.2·0.5 + 0.15·1 + 0.1·1) / 0.75 = 0.6667.
      {
        rank: 2,
        code: 'QH-02-ZF',
        dueCases: 2,
        shelved: 0,
        closed: 1,
        closedOnTime: 1,
        closureRate: 0.5,
        onTimeClosureRate: 0.5,
        reworked: 0,
        reworkRate: 0,
        extended: 0,
        extensionRate: 0,
        returned: 0,
        returnRate: 0,
        rated: 0,
        satisfactionRate: null,
        score: 66.67,
      },
      // QH-01-ZF: E3 (late, reworked, unsatisfied), E4 (on time, returned, not rated).
      // 0.3·0.5 + 0.2·1 + 0.15·0.5 + 0.1·0.5 + 0.25·0 = 0.475.
      {
        rank: 3,
        code: 'QH-01-ZF',
        dueCases: 2,
        shelved: 0,
        closed: 2,
        closedOnTime: 1,
        closureRate: 1,
        onTimeClosureRate: 0.5,
        reworked: 1,
        reworkRate: 0.5,
        extended: 0,
        extensionRate: 0,
        returned: 1,
        returnRate: 0.5,
        rated: 1,
        satisfactionRate: 0,
        score: 47.5,
      },
    ])
    expect(res.body.groups[0]).toMatchObject({ key: codes['QH-CG'], nameZh: expect.any(String) })
    expect(res.body.scoreWeights).toEqual({
      onTimeClosureRate: 0.3,
      closureRate: 0.2,
      rework: 0.15,
      return: 0.1,
      satisfactionRate: 0.25,
    })
    expect(typeof res.body.definitions.score).toBe('string')
  })

  it('evaluates November: a late closure of an October case, shelving out of the closure rates, per street, community and worker', async () => {
    // November: E8 (closed 11-02, due in October), E9 (due 11-01, shelved), E10 E11 E12 E14 E16 E19 = 8.
    // Shelved E9 leaves 7 for the closure rates. Closed E8 E10 E11 E14 E16 E19 = 6, on time E10 E14 E16
    // E19 = 4; rework E11 (reopened); extension E14; no return; rated E11 (0.6) E14 (0) → 0.3.
    // score = 100·(0.3·4/7 + 0.2·6/7 + 0.15·7/8 + 0.1·1 + 0.25·0.3) = 64.9107 → 64.91
    const res = await evaluation('leader', `${NOV}&groupBy=street`)
    expect(res.body.totals).toEqual({
      dueCases: 8,
      shelved: 1,
      closed: 6,
      closedOnTime: 4,
      closureRate: 0.8571,
      onTimeClosureRate: 0.5714,
      reworked: 1,
      reworkRate: 0.125,
      extended: 1,
      extensionRate: 0.125,
      returned: 0,
      returnRate: 0,
      rated: 2,
      satisfactionRate: 0.3,
      score: 64.91,
    })
    // 东湖: E10 E11 E12 E16 E19: closed 4 (E12 open), on time E10 E16 E19; rework E11; rated E11 (0.6).
    //   0.3·0.6 + 0.2·0.8 + 0.15·0.8 + 0.1·1 + 0.25·0.6 = 0.71
    // 西园: E8 E9 E14: E9 shelved → 2 assessed, both closed, on time E14; extension E14 (1/3);
    //   rated E14 (0). 0.3·0.5 + 0.2·1 + 0.15·1 + 0.1·1 + 0.25·0 = 0.6
    expect(
      res.body.groups.map((g: any) => [
        g.rank,
        g.code,
        g.dueCases,
        g.shelved,
        g.closed,
        g.closedOnTime,
        g.closureRate,
        g.onTimeClosureRate,
        g.reworkRate,
        g.extensionRate,
        g.returnRate,
        g.satisfactionRate,
        g.score,
      ]),
    ).toEqual([
      [1, 'JZ-QH-01', 5, 0, 4, 3, 0.8, 0.6, 0.2, 0, 0, 0.6, 71],
      [2, 'JZ-QH-02', 3, 1, 2, 1, 1, 0.5, 0, 0.3333, 0, 0, 60],
    ])

    // Communities: 柳岸 E19 only (on time, nobody rated: 100 on the four other terms);
    // 桂花 E10 E11 E12 E16: closed 3, on time E10 E16, rework E11, rated E11 (0.6):
    //   0.3·0.5 + 0.2·0.75 + 0.15·0.75 + 0.1·1 + 0.25·0.6 = 0.6625; 翠竹 = 西园.
    const communities = await evaluation('leader', `${NOV}&groupBy=community`)
    expect(
      communities.body.groups.map((g: any) => [
        g.rank,
        g.code,
        g.dueCases,
        g.closed,
        g.closedOnTime,
        g.reworkRate,
        g.satisfactionRate,
        g.score,
      ]),
    ).toEqual([
      [1, 'JZ-QH-01-02', 1, 1, 1, 0, null, 100],
      [2, 'JZ-QH-01-01', 4, 3, 2, 0.25, 0.6, 66.25],
      [3, 'JZ-QH-02-01', 3, 2, 1, 0, 0, 60],
    ])

    // Workers (latest accept or reply): qh.handler E10 E12 E19 (closed E10 E19, on time, nobody rated:
    // (0.3·2/3 + 0.2·2/3 + 0.15 + 0.1)/0.75 = 0.7778); guihua.handler E11 E16 (0.675);
    // cuizhu.handler E8 E9 E14 (as 西园, 0.6).
    const workers = await evaluation('leader', `${NOV}&groupBy=worker`)
    const names = Object.fromEntries(
      (await p.database.db.selectFrom('app_user').select(['id', 'username']).execute()).map((u) => [u.id, u.username]),
    )
    expect(
      workers.body.groups.map((g: any) => [g.rank, names[g.key], g.dueCases, g.closed, g.closedOnTime, g.score]),
    ).toEqual([
      [1, 'qh.handler', 3, 2, 2, 77.78],
      [2, 'guihua.handler', 2, 2, 1, 67.5],
      [3, 'cuizhu.handler', 3, 2, 1, 60],
    ])
  })

  it('evaluates with the reported area’s weights and within the caller’s areas', async () => {
    // 西园 in November with its own weights (E14 unsatisfied weighs 0.2): 0.15 + 0.2 + 0.15 + 0.1 + 0.05 = 0.65.
    const xiyuan = await evaluation('leader', `${NOV}&areaId=${await areaId(p, 'JZ-QH-02')}`)
    expect(xiyuan.body.totals).toMatchObject({ dueCases: 3, satisfactionRate: 0.2, score: 65 })
    expect(xiyuan.body.groups).toEqual([])
    // guihua.staff reports on 桂花 only (the district's weights, inherited): as the 桂花 community above.
    const staff = await evaluation('guihua.staff', NOV)
    expect(staff.status).toBe(200)
    expect(staff.body.areas.map((a: any) => a.code)).toEqual(['JZ-QH-01-01'])
    expect(staff.body.totals).toMatchObject({ dueCases: 4, closed: 3, closedOnTime: 2, score: 66.25 })
    const out = await evaluation('guihua.staff', `${NOV}&areaId=${await areaId(p, 'JZ-QH-02-01')}`)
    expect(out.status).toBe(403)
    expect(out.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'areaId' })
    expect((await evaluation('guihua.resident', NOV)).status).toBe(403)
    expect((await evaluation(null, NOV)).status).toBe(401)
    // A period with no due case: zeros and no rate, never NaN.
    const empty = await evaluation('leader', 'from=2020-01-01&to=2020-02-01&groupBy=department')
    expect(empty.body.totals).toMatchObject({ dueCases: 0, closureRate: null, score: null })
    expect(empty.body.groups).toEqual([])
  })

  it('refuses bad input with a 400 naming the field', async () => {
    for (const [q, status, field] of [
      ['groupBy=category', 400, 'groupBy'],
      ['from=2026-12-01&to=2026-11-01', 400, 'from'],
      ['to=2026-02-30', 400, 'to'],
      ['areaId=999999', 404, 'areaId'],
      ['colour=red', 400, 'colour'],
    ] as const) {
      const res = await evaluation('leader', q)
      expect({ q, status: res.status, field: res.body.error?.field }).toEqual({ q, status, field })
    }
  })
})

describe('composite score', () => {
  const base = { dueCases: 4, shelved: 0, closed: 4, closedOnTime: 4, reworked: 0, returned: 0, rated: 2, weighted: 2 }
  it('is 100 for a perfect group and drops terms without a denominator with their weight', () => {
    expect(compositeScore(base)).toBe(100)
    // Nobody rated: the other four terms, all perfect.
    expect(compositeScore({ ...base, rated: 0, weighted: 0 })).toBe(100)
    // All shelved: only rework, return and satisfaction remain: (0.15·1 + 0.1·1 + 0.25·0)/0.5 = 50.
    expect(compositeScore({ ...base, shelved: 4, closed: 0, closedOnTime: 0, weighted: 0 })).toBe(50)
    expect(compositeScore({ ...base, dueCases: 0, closed: 0, closedOnTime: 0, rated: 0, weighted: 0 })).toBeNull()
  })
  it('rounds half up at two decimals', () => {
    // 0.3·5/8 + 0.2·7/8 + 0.15·7/8 + 0.1·6/8 + 0.25·3.6/5 = 0.74875 → 74.88
    expect(
      compositeScore({
        dueCases: 8,
        shelved: 0,
        closed: 7,
        closedOnTime: 5,
        reworked: 1,
        returned: 2,
        rated: 5,
        weighted: 3.6,
      }),
    ).toBe(74.88)
  })
})

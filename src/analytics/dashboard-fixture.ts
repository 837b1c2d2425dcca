import type { Platform } from '../core/platform.js'

// The dashboard's hand-counted fixture (counted in dashboard.test.ts's header), shared with the
// browser test (test data only, used by no route): cases inserted straight into `cases` as the owner, which the rollup's triggers count.

const at = (s: string) => new Date(s)

export interface Spec {
  key: string
  area: string
  cat: string
  channel: string
  state: string
  sub: string
  dept?: string
  respDue?: string
  resp?: string
  handleDue?: string
  replied?: string
  closed?: string
  rating?: 'satisfied' | 'unsatisfied'
  solved?: boolean
  notRated?: boolean
  contactDue?: string
  contacted?: string
  contactRequired?: boolean
  direct?: boolean
  rework?: number
  returns?: number
  extensions?: number
  stageDue?: string
}

export const G01 = 'JZ-QH-01-01-G01'
export const G02 = 'JZ-QH-01-01-G02'
export const fixture: Spec[] = [
  {
    key: 'A1',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'rated',
    sub: '2021-03-02T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2021-03-02T06:00:00Z',
    resp: '2021-03-02T03:00:00Z',
    contactRequired: true,
    contactDue: '2021-03-03T02:00:00Z',
    contacted: '2021-03-02T05:00:00Z',
    handleDue: '2021-03-10T02:00:00Z',
    replied: '2021-03-09T02:00:00Z',
    closed: '2021-03-10T02:00:00Z',
    rating: 'satisfied',
    solved: true,
    extensions: 1,
  },
  {
    key: 'A2',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'rated',
    sub: '2021-03-04T02:00:00Z',
    dept: 'QH-01-ZF',
    respDue: '2021-03-04T06:00:00Z',
    resp: '2021-03-04T09:00:00Z',
    contactRequired: true,
    contactDue: '2021-03-05T02:00:00Z',
    contacted: '2021-03-05T09:00:00Z',
    handleDue: '2021-03-20T02:00:00Z',
    replied: '2021-03-22T02:00:00Z',
    closed: '2021-03-23T02:00:00Z',
    rating: 'unsatisfied',
    solved: false,
    rework: 1,
    returns: 1,
  },
  {
    key: 'A3',
    area: G02,
    cat: 'HW-01',
    channel: 'proactive',
    state: 'closed',
    sub: '2021-03-08T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2021-03-08T06:00:00Z',
    resp: '2021-03-08T03:00:00Z',
    handleDue: '2021-03-15T02:00:00Z',
    replied: '2021-03-14T02:00:00Z',
    closed: '2021-03-15T02:00:00Z',
  },
  {
    key: 'A4',
    area: G02,
    cat: 'HW-01',
    channel: 'portal',
    state: 'in_progress',
    sub: '2021-03-10T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2021-03-10T06:00:00Z',
    resp: '2021-03-10T03:00:00Z',
    handleDue: '2021-03-20T02:00:00Z',
    stageDue: '2021-03-20T02:00:00Z',
  },
  {
    key: 'A5',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'dispatched',
    sub: '2021-03-28T02:00:00Z',
    dept: 'QH-CG',
    contactRequired: true,
    contactDue: '2021-03-29T02:00:00Z',
    stageDue: '2021-04-20T02:00:00Z',
  },
  {
    key: 'A6',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'closed',
    sub: '2021-03-12T02:00:00Z',
    contactRequired: true,
    direct: true,
    closed: '2021-03-12T03:00:00Z',
    notRated: true,
  },
  { key: 'A7', area: G01, cat: 'DL-03', channel: 'hotline', state: 'merged', sub: '2021-03-12T04:00:00Z' },
  {
    key: 'A8',
    area: G01,
    cat: 'DL-03',
    channel: 'portal',
    state: 'shelved',
    sub: '2021-03-16T02:00:00Z',
    dept: 'QH-CG',
  },
  {
    key: 'A9',
    area: 'JZ-QH-02-01-G01',
    cat: 'DL-03',
    channel: 'hotline',
    state: 'submitted',
    sub: '2021-03-16T02:00:00Z',
  },
  { key: 'A10', area: G02, cat: 'HW-01', channel: 'portal', state: 'submitted', sub: '2021-02-28T16:00:00Z' },
  { key: 'A11', area: G02, cat: 'HW-01', channel: 'portal', state: 'submitted', sub: '2021-03-31T16:00:00Z' },
  {
    key: 'P1',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'rated',
    sub: '2021-02-10T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2021-02-10T06:00:00Z',
    resp: '2021-02-10T03:00:00Z',
    handleDue: '2021-02-15T02:00:00Z',
    replied: '2021-02-14T02:00:00Z',
    closed: '2021-02-15T02:00:00Z',
    rating: 'satisfied',
    solved: true,
  },
  {
    key: 'P2',
    area: G01,
    cat: 'DL-03',
    channel: 'hotline',
    state: 'closed',
    sub: '2021-02-20T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2021-02-20T06:00:00Z',
    resp: '2021-02-20T03:00:00Z',
    handleDue: '2021-02-24T02:00:00Z',
    replied: '2021-02-26T02:00:00Z',
    closed: '2021-02-27T02:00:00Z',
    extensions: 1,
  },
  {
    key: 'L1',
    area: G02,
    cat: 'HW-01',
    channel: 'hotline',
    state: 'closed',
    sub: '2020-03-05T02:00:00Z',
    dept: 'QH-CG',
    respDue: '2020-03-05T06:00:00Z',
    resp: '2020-03-05T03:00:00Z',
    handleDue: '2020-03-10T02:00:00Z',
    replied: '2020-03-09T02:00:00Z',
    closed: '2020-03-10T02:00:00Z',
    returns: 1,
  },
]

/** Inserts the specs (the fixture unless told) and answers their ids by key. */
export async function insertFixture(p: Platform, specs: Spec[] = fixture): Promise<Record<string, number>> {
  const db = p.database.db
  const ids: Record<string, number> = {}
  const areaId = async (code: string) =>
    (await db.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const dept = async (code: string) =>
    (await db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const cat = async (code: string) =>
    (await db.selectFrom('case_category').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const district = await areaId('JZ-QH')
  for (const s of specs) {
    const row = await db
      .insertInto('cases')
      .values({
        tracking_code: `DASH-${s.key}`,
        category_id: await cat(s.cat),
        area_id: await areaId(s.area),
        district_id: district,
        channel: s.channel,
        state: s.state,
        description: `dashboard fixture ${s.key}`,
        department_id: s.dept ? await dept(s.dept) : null,
        rating: s.rating ?? null,
        rating_status: s.rating ? 'rated' : s.notRated ? 'not_rated' : null,
        solved: s.rating ? (s.solved ?? false) : null,
        rework_count: s.rework ?? 0,
        return_count: s.returns ?? 0,
        extension_count: s.extensions ?? 0,
        contact_required: s.contactRequired ?? false,
        contact_due_at: s.contactDue ? at(s.contactDue) : null,
        contacted_at: s.contacted ? at(s.contacted) : null,
        direct_answer: s.direct ?? false,
        submitted_at: at(s.sub),
        response_due_at: at(s.respDue ?? s.sub),
        responded_at: s.resp ? at(s.resp) : null,
        handle_due_at: s.handleDue ? at(s.handleDue) : null,
        replied_at: s.replied ? at(s.replied) : null,
        closed_at: s.closed ? at(s.closed) : null,
        stage_due_at: s.stageDue ? at(s.stageDue) : null,
        updated_at: at(s.sub),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids[s.key] = Number(row.id)
  }
  return ids
}

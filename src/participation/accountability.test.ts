import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'

const HOUR = 3_600_000
// Streetlights: no photo, no required attribute.
const CATEGORY = 'DL-03'

describe.each(backends())('you said, we did on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  let grid: number
  let cuizhuGrid: number
  const t: Record<string, string> = {}
  const users: Record<string, number> = {}
  const start = new Date('2027-03-01T02:00:00Z')

  async function newResident(username: string): Promise<void> {
    const res = await call(p.app, 'POST', '/api/v1/users', {
      token: t.admin,
      body: {
        username,
        displayName: `居民${username.slice(-2)}`,
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: guihua }],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    users[username] = res.body.id
    t[username] = await tokenFor(p.app, username)
  }

  /** A proposal as the proposals part would have left it, with its supporters. */
  async function proposal(area: number, status: string, title: string, supporters: string[] = []) {
    const row = await p.database.db
      .insertInto('proposal')
      .values({
        reference: `TEST-${Math.random().toString(36).slice(2, 10)}`,
        area_id: area,
        district_id: await areaId(p, 'JZ-QH'),
        category: 'facilities',
        title,
        body: '小区主干道路灯损坏多处，夜间行走不安全。',
        author_id: users['gh.author']!,
        status,
        threshold: 3,
        terms: sql<string>`to_tsvector('simple', ${title})`,
        created_at: start,
        updated_at: start,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (supporters.length)
      await p.database.db
        .insertInto('proposal_support')
        .values(supporters.map((u) => ({ proposal_id: row.id, user_id: users[u]!, created_at: start })))
        .execute()
    return row.id
  }

  const create = (token: string, body: object) => call(p.app, 'POST', '/api/v1/accountability', { token, body })
  const detail = (id: number, who = 'staff') => call(p.app, 'GET', `/api/v1/accountability/${id}`, { token: t[who] })
  const digest = (user: string, recordId: number) =>
    p.database.db
      .selectFrom('participation_digest_item')
      .select(['kind', 'params'])
      .where('user_id', '=', users[user]!)
      .where('subject_kind', '=', 'accountability')
      .where('subject_id', '=', recordId)
      .orderBy('id')
      .execute()

  beforeAll(async () => {
    p = await openTestPlatform(backend, start.toISOString())
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    grid = await areaId(p, 'JZ-QH-01-01-G01')
    cuizhuGrid = await areaId(p, 'JZ-QH-02-01-G01')
    for (const u of ['admin', 'staff', 'leader', 'resident', 'grid', 'handler'])
      t[u] = await tokenFor(p.app, `guihua.${u}`)
    t.cuizhuStaff = await tokenFor(p.app, 'cuizhu.staff')
    t.cuizhuResident = await tokenFor(p.app, 'cuizhu.resident')
    for (const u of ['gh.author', 'gh.s1', 'gh.s2', 'gh.other']) await newResident(u)
  })
  afterAll(() => p?.close())

  it('follows an accepted proposal once: one record per source, even when created at once', async () => {
    const id = await proposal(guihua, 'accepted', '修复桂花苑主干道路灯', ['gh.s1', 'gh.s2'])
    const body = { sourceKind: 'proposal', sourceId: id, title: '修复主干道路灯', description: '更换12盏损坏路灯' }
    expect((await create(t.resident, body)).status).toBe(403)
    expect((await create(t.grid, body)).status).toBe(403)
    expect((await create(t.cuizhuStaff, body)).status).toBe(404)
    const answers = await Promise.all([1, 2, 3, 4].map(() => create(t.staff, body)))
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1)
    for (const a of answers.filter((x) => x.status !== 201))
      expect(a.body.error).toMatchObject({ code: 'CONFLICT', field: 'sourceId' })
    const made = answers.find((a) => a.status === 201)!.body
    expect(made).toMatchObject({
      sourceKind: 'proposal',
      sourceId: id,
      sourceTitle: '修复桂花苑主干道路灯',
      status: 'planned',
      progress: 0,
      area: { id: guihua },
      source: { kind: 'proposal', id, title: '修复桂花苑主干道路灯', status: 'accepted', meetingId: null },
      milestones: [],
      case: null,
      followerCount: 3,
      canManage: true,
    })
    const rows = await p.database.db
      .selectFrom('accountability_record')
      .select('id')
      .where('source_kind', '=', 'proposal')
      .where('source_id', '=', id)
      .execute()
    expect(rows).toHaveLength(1)
    const again = await create(t.leader, body)
    expect(again.status).toBe(409)
    expect(again.body.error.details).toEqual({ id: made.id })
    // The author and the supporters hear of it; someone who took no part does not.
    expect((await digest('gh.s1', made.id)).map((d) => d.kind)).toEqual(['created'])
    expect((await digest('gh.author', made.id)).map((d) => d.kind)).toEqual(['created'])
    expect(await digest('gh.other', made.id)).toEqual([])
  })

  it('refuses what is not an outcome, or not visible', async () => {
    const open = await proposal(guihua, 'published', '增加健身器材')
    const r = await create(t.staff, { sourceKind: 'proposal', sourceId: open, title: '健身器材' })
    expect(r.status).toBe(409)
    expect(r.body.error).toMatchObject({ code: 'CONFLICT', field: 'sourceId', details: { status: 'published' } })
    const theirs = await proposal(cuizhu, 'accepted', '翠竹小区修缮围墙')
    const hidden = await create(t.staff, { sourceKind: 'proposal', sourceId: theirs, title: '围墙' })
    expect(hidden.body.error).toMatchObject({ code: 'PROPOSAL_NOT_FOUND', field: 'sourceId' })
    const none = await create(t.staff, { sourceKind: 'meeting_decision', sourceId: 999999, title: '无' })
    expect(none.body.error).toMatchObject({ code: 'DECISION_NOT_FOUND', field: 'sourceId' })
    const nothing = await create(t.staff, { sourceKind: 'consultation', sourceId: 999999, title: '无' })
    expect(nothing.body.error.code).toBe('CONSULTATION_NOT_FOUND')
    expect(
      (await p.database.db.selectFrom('accountability_record').select('id').where('source_id', '=', open).execute())
        .length,
    ).toBe(0)
  })

  it('follows a decision only once the meeting adopted it', async () => {
    const m = await call(p.app, 'POST', '/api/v1/meetings', {
      token: t.staff,
      body: {
        areaId: guihua,
        kind: 'deliberation',
        title: '路灯维修议事会',
        agenda: '表决维修方案',
        location: '社区会议室',
        startsAt: new Date(start.getTime() - HOUR).toISOString(),
        endsAt: new Date(start.getTime() + HOUR).toISOString(),
        quorum: 1,
      },
    })
    expect(m.status, JSON.stringify(m.body)).toBe(201)
    await p.database.db
      .insertInto('meeting_registration')
      .values({ meeting_id: m.body.id, user_id: users['gh.s1']!, registered_at: start })
      .execute()
    await call(p.app, 'POST', `/api/v1/meetings/${m.body.id}/attendance`, {
      token: t.staff,
      body: { userIds: [users['gh.s1']], attended: true },
    })
    const d = await call(p.app, 'POST', `/api/v1/meetings/${m.body.id}/decisions`, {
      token: t.staff,
      body: {
        title: '采用LED路灯',
        text: '全部更换为LED路灯。',
        majority: 'simple',
        votingOpensAt: start.toISOString(),
        votingClosesAt: new Date(start.getTime() + HOUR).toISOString(),
      },
    })
    const decisionId = d.body.decisions[0].id
    const early = await create(t.staff, { sourceKind: 'meeting_decision', sourceId: decisionId, title: 'LED' })
    expect(early.body.error).toMatchObject({ code: 'CONFLICT', field: 'sourceId' })
    const v = await call(p.app, 'POST', `/api/v1/meetings/${m.body.id}/decisions/${decisionId}/votes`, {
      token: t['gh.s1'],
      body: { choice: 'for' },
    })
    expect(v.status, JSON.stringify(v.body)).toBe(201)
    p.clock.set(new Date(start.getTime() + HOUR))
    // The result is counted by the create itself (nobody has read the meeting since the close).
    const made = await create(t.staff, { sourceKind: 'meeting_decision', sourceId: decisionId, title: 'LED路灯更换' })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.source).toMatchObject({ kind: 'meeting_decision', status: 'adopted', meetingId: m.body.id })
    expect(made.body.followerCount).toBe(1)
    const meeting = await call(p.app, 'GET', `/api/v1/meetings/${m.body.id}`, { token: t['gh.s1'] })
    expect(meeting.body.decisions[0]).toMatchObject({ result: 'adopted', accountabilityId: made.body.id })
    p.clock.set(start)
  })

  it('keeps milestones and progress, audited, and tells the followers', async () => {
    const id = await proposal(guihua, 'accepted', '在小区增设电动车充电棚', ['gh.s1'])
    const made = (await create(t.staff, { sourceKind: 'proposal', sourceId: id, title: '增设充电棚' })).body
    const add = (title: string, dueOn?: string) =>
      call(p.app, 'POST', `/api/v1/accountability/${made.id}/milestones`, {
        token: t.staff,
        body: { title, ...(dueOn ? { dueOn } : {}) },
      })
    expect((await add('选址公示', '2027-02-20')).status).toBe(201)
    expect((await add('施工', '2027-04-30')).status).toBe(201)
    const third = await add('验收')
    expect(third.body.milestones.map((m: any) => [m.title, m.overdue])).toEqual([
      ['选址公示', true],
      ['施工', false],
      ['验收', false],
    ])
    expect(
      (
        await call(p.app, 'POST', `/api/v1/accountability/${made.id}/milestones`, {
          token: t.resident,
          body: { title: 'x' },
        })
      ).status,
    ).toBe(403)
    const first = third.body.milestones[0]
    const future = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}/milestones/${first.id}`, {
      token: t.staff,
      body: { doneOn: '2027-12-31' },
    })
    expect(future.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'doneOn' })
    const done = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}/milestones/${first.id}`, {
      token: t.staff,
      body: { doneOn: '2027-02-19', note: '公示期满无异议' },
    })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body.milestones[0]).toMatchObject({ doneOn: '2027-02-19', note: '公示期满无异议', overdue: false })
    expect(done.body).toMatchObject({ milestoneCount: 3, milestonesDone: 1 })
    const half = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}`, {
      token: t.staff,
      body: { status: 'in_progress', progress: 50 },
    })
    expect(half.body).toMatchObject({ status: 'in_progress', progress: 50 })
    const notDone = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}`, {
      token: t.staff,
      body: { status: 'done', progress: 80 },
    })
    expect(notDone.body.error.field).toBe('progress')
    expect(
      (await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}`, { token: t.resident, body: { progress: 90 } }))
        .status,
    ).toBe(403)
    expect(
      (
        await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}`, {
          token: t.cuizhuStaff,
          body: { progress: 90 },
        })
      ).status,
    ).toBe(404)
    // The resident's view: the list with its progress bar and the detail.
    const list = await call(p.app, 'GET', '/api/v1/accountability?status=in_progress', { token: t.resident })
    expect(list.body.items.find((r: any) => r.id === made.id)).toMatchObject({
      progress: 50,
      milestoneCount: 3,
      milestonesDone: 1,
    })
    expect((await detail(made.id, 'resident')).body).toMatchObject({ progress: 50, canManage: false })
    expect((await detail(made.id, 'cuizhuResident')).status).toBe(404)
    const foreign = await call(p.app, 'GET', '/api/v1/accountability', { token: t.cuizhuResident })
    expect(foreign.body.items.map((r: any) => r.id)).not.toContain(made.id)
    const told = await digest('gh.s1', made.id)
    expect(told.map((d) => d.kind)).toEqual(['created', 'milestone', 'progress'])
    expect(told[2]!.params).toMatchObject({ status: 'in_progress', progress: 50 })
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity_type', '=', 'accountability')
      .where('entity_id', '=', String(made.id))
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'accountability.create',
      'accountability.milestone_add',
      'accountability.milestone_add',
      'accountability.milestone_add',
      'accountability.milestone_update',
      'accountability.update',
    ])
    expect(audit[5]!.detail).toMatchObject({
      from: { status: 'planned', progress: 0 },
      to: { status: 'in_progress', progress: 50 },
    })
    // Done without a figure means all of it.
    const finished = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}`, {
      token: t.staff,
      body: { status: 'done' },
    })
    expect(finished.body).toMatchObject({ status: 'done', progress: 100 })
  })

  it('turns an outcome into one event case, linked, whose state the followers see', async () => {
    const id = await proposal(guihua, 'accepted', '桂花路口路灯不亮', ['gh.s2'])
    const made = (await create(t.staff, { sourceKind: 'proposal', sourceId: id, title: '修复桂花路口路灯' })).body
    const body = { categoryCode: CATEGORY, gridId: grid, address: '桂花路与丹桂街路口' }
    const url = `/api/v1/accountability/${made.id}/case`
    const outside = await call(p.app, 'POST', url, { token: t.staff, body: { ...body, gridId: cuizhuGrid } })
    expect(outside.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'gridId' })
    const notGrid = await call(p.app, 'POST', url, { token: t.staff, body: { ...body, gridId: guihua } })
    expect(notGrid.body.error.field).toBe('gridId')
    expect((await call(p.app, 'POST', url, { token: t.resident, body })).status).toBe(403)
    const badCategory = await call(p.app, 'POST', url, { token: t.staff, body: { ...body, categoryCode: 'NOPE' } })
    expect(badCategory.status).toBe(404)
    const answers = await Promise.all([1, 2, 3].map(() => call(p.app, 'POST', url, { token: t.staff, body })))
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200)
    const codes = new Set(answers.map((a) => a.body.case?.trackingCode))
    expect(codes.size).toBe(1)
    const linked = answers[0]!.body.case
    expect(linked).toMatchObject({ state: 'submitted', category: { code: CATEGORY } })
    const cases = await p.database.db
      .selectFrom('cases')
      .select(['id', 'tracking_code', 'area_id', 'channel', 'description'])
      .where('description', 'like', '修复桂花路口路灯%')
      .execute()
    expect(cases).toHaveLength(1)
    expect(cases[0]).toMatchObject({ tracking_code: linked.trackingCode, area_id: grid, channel: 'api' })
    const second = await call(p.app, 'POST', url, { token: t.staff, body: { ...body, address: '另一个地址' } })
    expect(second.body.case.trackingCode).toBe(linked.trackingCode)
    // A resident following the record cannot read the case itself, yet sees its code and state.
    expect((await call(p.app, 'GET', `/api/v1/cases/${linked.id}`, { token: t['gh.s2'] })).status).toBe(404)
    const seen = await detail(made.id, 'gh.s2')
    expect(seen.body.case).toMatchObject({ trackingCode: linked.trackingCode, state: 'submitted' })
    expect(seen.body.hasCase).toBe(true)
    // …and its progress once the case moves.
    const accepted = await call(p.app, 'POST', `/api/v1/cases/${linked.id}/actions`, {
      token: t.staff,
      body: { action: 'accept' },
    })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    const asStaff = await call(p.app, 'GET', `/api/v1/cases/${linked.id}`, { token: t.staff })
    expect(asStaff.body.state).not.toBe('submitted')
    expect((await detail(made.id, 'gh.s2')).body.case.state).toBe(asStaff.body.state)
    expect((await digest('gh.s2', made.id)).map((d) => d.kind)).toEqual(['created', 'case'])
  })

  it('answers a missing record or milestone with 404', async () => {
    expect((await detail(999999)).body.error.code).toBe('ACCOUNTABILITY_NOT_FOUND')
    const id = await proposal(guihua, 'implemented', '楼道灯改声控')
    const made = (await create(t.staff, { sourceKind: 'proposal', sourceId: id, title: '楼道灯改声控' })).body
    const missing = await call(p.app, 'PATCH', `/api/v1/accountability/${made.id}/milestones/999999`, {
      token: t.staff,
      body: { doneOn: '2027-02-01' },
    })
    expect(missing.status).toBe(404)
    expect(missing.body.error.field).toBe('milestoneId')
  })
})
